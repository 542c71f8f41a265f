//! The participation chart as a PNG: the check-in rate per week as bars (left axis, %) and
//! the average confidence per week as a line (right axis, 1 to 5).
//!
//! Shapes are drawn with plotters' bitmap backend in pixel coordinates. Text is laid out and
//! rasterized here with `ab_glyph` from DejaVu Sans compiled into the binary (the `dejavu`
//! crate): no system font is ever looked up, so the chart looks the same on every host,
//! including minimal containers without fonts. (plotters' own `ab_glyph` text drops each
//! glyph's side bearing, which spaces letters unevenly; hence the small renderer below.)

use super::{Report, WeekRow};
use ab_glyph::{Font, FontRef, Glyph, PxScale, ScaleFont, point};
use plotters::backend::RGBPixel;
use plotters::prelude::*;

/// Width of the chart in pixels.
pub const CHART_WIDTH: u32 = 1000;
/// Height of the chart in pixels.
pub const CHART_HEIGHT: u32 = 600;

const BAR: RGBColor = RGBColor(66, 133, 244);
const LINE: RGBColor = RGBColor(230, 120, 20);
const TEXT: RGBColor = RGBColor(30, 30, 30);
const MUTED: RGBColor = RGBColor(95, 95, 95);
const GRID: RGBColor = RGBColor(228, 228, 228);
const AXIS: RGBColor = RGBColor(120, 120, 120);

/// Why the chart could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChartError {
    #[error("the embedded chart font could not be loaded")]
    Font,
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the chart as PNG: {0}")]
    Encode(String),
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// The plot area in pixels and the mapping of weeks and values onto it.
struct Plot {
    left: i32,
    right: i32,
    top: i32,
    bottom: i32,
    first: u32,
    weeks: u32,
}

impl Plot {
    fn slot(&self) -> f64 {
        f64::from(self.right - self.left) / f64::from(self.weeks)
    }

    /// Left edge of week `w`'s column.
    fn x_of(&self, w: u32) -> f64 {
        f64::from(self.left) + f64::from(w - self.first) * self.slot()
    }

    fn x_center(&self, w: u32) -> i32 {
        (self.x_of(w) + self.slot() / 2.0).round() as i32
    }

    /// Pixel row of a check-in rate in percent (0 to 100).
    fn y_rate(&self, percent: f64) -> i32 {
        let h = f64::from(self.bottom - self.top);
        (f64::from(self.bottom) - percent.clamp(0.0, 100.0) / 100.0 * h).round() as i32
    }

    /// Pixel row of a confidence (1 to 5).
    fn y_confidence(&self, c: f64) -> i32 {
        self.y_rate((c.clamp(1.0, 5.0) - 1.0) / 4.0 * 100.0)
    }
}

/// Draws the report's chart, [`CHART_WIDTH`] x [`CHART_HEIGHT`], as PNG bytes.
pub fn chart_png(report: &Report) -> Result<Vec<u8>, ChartError> {
    let font = FontRef::try_from_slice(dejavu::sans::regular()).map_err(|_| ChartError::Font)?;
    let plot = plot_of(report);
    let mut pixels = vec![255u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    {
        let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut pixels, (CHART_WIDTH, CHART_HEIGHT))
            .map_err(draw_err)?;
        draw_shapes(report, &plot, &backend.into_drawing_area())?;
    }
    let mut canvas = Canvas { pixels: &mut pixels, font: &font, svg: None };
    draw_text(report, &plot, &mut canvas);
    encode_png(&pixels)
}

/// The same chart as SVG (for web pages): the shapes drawn by plotters' SVG backend, the
/// labels as text elements placed by the same layout as the PNG's. Labelled for screen
/// readers with the report's figures.
pub fn chart_svg(report: &Report) -> Result<String, ChartError> {
    let font = FontRef::try_from_slice(dejavu::sans::regular()).map_err(|_| ChartError::Font)?;
    let plot = plot_of(report);
    let mut svg = String::new();
    {
        let backend = SVGBackend::with_string(&mut svg, (CHART_WIDTH, CHART_HEIGHT));
        draw_shapes(report, &plot, &backend.into_drawing_area())?;
    }
    let mut labels = String::new();
    let mut canvas = Canvas { pixels: &mut [], font: &font, svg: Some(&mut labels) };
    draw_text(report, &plot, &mut canvas);
    let end = svg.rfind("</svg>").ok_or_else(|| ChartError::Draw("no </svg> in plotters' output".into()))?;
    svg.insert_str(end, &labels);
    let label = xml_escape(&format!(
        "Check-in rate and average confidence per week, weeks {} to {} of {}",
        report.from_week, report.to_week, report.group_name
    ));
    let open = svg.find("<svg").ok_or_else(|| ChartError::Draw("no <svg> in plotters' output".into()))?;
    svg.insert_str(open + 4, &format!(" role=\"img\" aria-label=\"{label}\""));
    Ok(svg)
}

fn plot_of(report: &Report) -> Plot {
    Plot {
        left: 84,
        right: CHART_WIDTH as i32 - 84,
        top: 104,
        bottom: CHART_HEIGHT as i32 - 72,
        first: report.from_week,
        weeks: report.to_week.saturating_sub(report.from_week) + 1,
    }
}

/// `s` safe inside SVG text and attribute values.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn draw_shapes<DB: DrawingBackend>(
    report: &Report,
    plot: &Plot,
    root: &DrawingArea<DB, plotters::coord::Shift>,
) -> Result<(), ChartError> {
    root.fill(&WHITE).map_err(draw_err)?;

    // Grid every 10%, then the bars, then the axes over them.
    for pct in (0..=100).step_by(10) {
        let y = plot.y_rate(f64::from(pct));
        root.draw(&PathElement::new(vec![(plot.left, y), (plot.right, y)], GRID)).map_err(draw_err)?;
    }
    let gap = (plot.slot() * 0.14).clamp(1.0, 14.0);
    for w in &report.weeks {
        let x0 = (plot.x_of(w.week) + gap).round() as i32;
        let x1 = (plot.x_of(w.week) + plot.slot() - gap).round() as i32;
        let y = plot.y_rate(w.rate * 100.0);
        if y < plot.bottom {
            root.draw(&Rectangle::new([(x0, y), (x1.max(x0 + 1), plot.bottom)], BAR.filled())).map_err(draw_err)?;
        }
    }
    let frame =
        vec![(plot.left, plot.top), (plot.left, plot.bottom), (plot.right, plot.bottom), (plot.right, plot.top)];
    root.draw(&PathElement::new(frame, AXIS)).map_err(draw_err)?;
    // Ticks: 1 to 5 on the right axis, every 10% on the left one.
    for c in 1..=5 {
        let y = plot.y_confidence(f64::from(c));
        root.draw(&PathElement::new(vec![(plot.right, y), (plot.right + 5, y)], AXIS)).map_err(draw_err)?;
    }
    for pct in (0..=100).step_by(10) {
        let y = plot.y_rate(f64::from(pct));
        root.draw(&PathElement::new(vec![(plot.left - 5, y), (plot.left, y)], AXIS)).map_err(draw_err)?;
    }

    // The confidence line breaks at weeks without check-ins.
    for run in confidence_runs(&report.weeks) {
        let points: Vec<(i32, i32)> = run.iter().map(|&(w, c)| (plot.x_center(w), plot.y_confidence(c))).collect();
        if points.len() > 1 {
            root.draw(&PathElement::new(points.clone(), LINE.stroke_width(3))).map_err(draw_err)?;
        }
        for p in points {
            root.draw(&Circle::new(p, 4, LINE.filled())).map_err(draw_err)?;
        }
    }

    // Legend swatches (their text is drawn with the rest).
    let lx = CHART_WIDTH as i32 - 270;
    root.draw(&Rectangle::new([(lx, 20), (lx + 24, 34)], BAR.filled())).map_err(draw_err)?;
    root.draw(&PathElement::new(vec![(lx, 54), (lx + 24, 54)], LINE.stroke_width(3))).map_err(draw_err)?;
    root.draw(&Circle::new((lx + 12, 54), 4, LINE.filled())).map_err(draw_err)?;
    root.present().map_err(draw_err)?;
    Ok(())
}

/// Consecutive weeks with an average confidence, as (week, confidence) runs.
fn confidence_runs(weeks: &[WeekRow]) -> Vec<Vec<(u32, f64)>> {
    let mut runs: Vec<Vec<(u32, f64)>> = vec![Vec::new()];
    for w in weeks {
        match (w.average_confidence, runs.last_mut()) {
            (Some(c), Some(run)) => run.push((w.week, c)),
            _ => runs.push(Vec::new()),
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn draw_text(report: &Report, plot: &Plot, canvas: &mut Canvas<'_>) {
    use Align::*;
    let title = format!("Participation: {}", one_line(&report.group_name, 48));
    canvas.text(&title, 28.0, TEXT, (24, 14), (Start, Start), Turn::None);
    let s = &report.summary;
    let mut totals = format!(
        "Weeks {}\u{2013}{} of {}  \u{b7}  {} members  \u{b7}  {} check-ins ({:.0}%)  \u{b7}  {:.1} h",
        report.from_week,
        report.to_week,
        report.total_weeks,
        s.members,
        s.checkins,
        s.checkin_rate * 100.0,
        s.total_hours
    );
    if let Some(c) = s.average_confidence {
        totals.push_str(&format!("  \u{b7}  confidence {c:.1}/5"));
    }
    canvas.text(&totals, 16.0, MUTED, (24, 56), (Start, Start), Turn::None);
    let lx = CHART_WIDTH as i32 - 270;
    canvas.text("Check-in rate (%)", 16.0, TEXT, (lx + 34, 27), (Start, Center), Turn::None);
    canvas.text("Average confidence (1\u{2013}5)", 16.0, TEXT, (lx + 34, 54), (Start, Center), Turn::None);

    // Axis labels.
    for pct in (0..=100).step_by(10) {
        canvas.text(
            &pct.to_string(),
            14.0,
            TEXT,
            (plot.left - 9, plot.y_rate(f64::from(pct))),
            (End, Center),
            Turn::None,
        );
    }
    for c in 1..=5 {
        let y = plot.y_confidence(f64::from(c));
        canvas.text(&c.to_string(), 14.0, TEXT, (plot.right + 9, y), (Start, Center), Turn::None);
    }
    // Week numbers: every k-th week so that labels never overlap (always the first one).
    let widest = canvas.measure(&report.to_week.to_string(), 14.0).0 as f64 + 10.0;
    let every = (widest / plot.slot()).ceil().max(1.0) as u32;
    for w in &report.weeks {
        if (w.week - plot.first).is_multiple_of(every) {
            canvas.text(
                &w.week.to_string(),
                14.0,
                TEXT,
                (plot.x_center(w.week), plot.bottom + 8),
                (Center, Start),
                Turn::None,
            );
        }
    }
    // Percentages over the bars when the columns are wide enough.
    if plot.slot() >= 40.0 {
        for w in &report.weeks {
            let label = match (w.missed_by_bot, w.held) {
                (true, _) => "missed".to_string(),
                (false, false) => "-".to_string(),
                _ => format!("{:.0}%", w.rate * 100.0),
            };
            let y = plot.y_rate(w.rate * 100.0);
            let (pos, color) = if y - plot.top < 22 { ((y + 4), WHITE) } else { ((y - 4), TEXT) };
            let align = if color == WHITE { Start } else { End };
            canvas.text(&label, 13.0, color, (plot.x_center(w.week), pos), (Center, align), Turn::None);
        }
    }
    let mid_y = (plot.top + plot.bottom) / 2;
    canvas.text("Week", 16.0, TEXT, ((plot.left + plot.right) / 2, plot.bottom + 36), (Center, Start), Turn::None);
    canvas.text("Check-in rate (%)", 16.0, TEXT, (20, mid_y), (Center, Center), Turn::Left);
    canvas.text(
        "Average confidence (1\u{2013}5)",
        16.0,
        TEXT,
        (CHART_WIDTH as i32 - 22, mid_y),
        (Center, Center),
        Turn::Right,
    );
}

/// Where a text box sits relative to its anchor point, per axis.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Start,
    Center,
    End,
}

/// Text direction: horizontal, or turned a quarter left (reads upwards) or right.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Turn {
    None,
    Left,
    Right,
}

/// An RGB pixel buffer of the chart's size plus the font, for drawing text; or, for the
/// SVG chart, the text elements written instead (`svg`, the pixels then unused).
struct Canvas<'a> {
    pixels: &'a mut [u8],
    font: &'a FontRef<'a>,
    svg: Option<&'a mut String>,
}

impl Canvas<'_> {
    /// Laid-out glyphs of one line at `size` px, with the line's width and height.
    fn layout(&self, s: &str, size: f32) -> (Vec<Glyph>, u32, u32) {
        let scale = PxScale::from(size);
        let font = self.font.as_scaled(scale);
        let ascent = font.ascent();
        let mut caret = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::new();
        for c in s.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += font.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(caret, ascent)));
            caret += font.h_advance(id);
            prev = Some(id);
        }
        let height = (ascent - font.descent()).ceil().max(1.0) as u32;
        (glyphs, caret.ceil().max(0.0) as u32, height)
    }

    /// Width and height of `s` at `size` px, unturned.
    fn measure(&self, s: &str, size: f32) -> (u32, u32) {
        let (_, w, h) = self.layout(s, size);
        (w, h)
    }

    /// Draws `s` with its box aligned on `at` (`align` per axis, after turning).
    fn text(&mut self, s: &str, size: f32, color: RGBColor, at: (i32, i32), align: (Align, Align), turn: Turn) {
        let (glyphs, w, h) = self.layout(s, size);
        if w == 0 {
            return;
        }
        if let Some(svg) = self.svg.as_deref_mut() {
            // The box's centre, as the raster text's; the text centred on it, turned there.
            let (bw, bh) = if turn == Turn::None { (w, h) } else { (h, w) };
            let start = |a: Align, len: u32| match a {
                Align::Start => 0,
                Align::Center => len as i32 / 2,
                Align::End => len as i32,
            };
            let cx = at.0 - start(align.0, bw) + bw as i32 / 2;
            let cy = at.1 - start(align.1, bh) + bh as i32 / 2;
            let rotate = match turn {
                Turn::None => String::new(),
                Turn::Left => format!(" transform=\"rotate(-90 {cx} {cy})\""),
                Turn::Right => format!(" transform=\"rotate(90 {cx} {cy})\""),
            };
            let RGBColor(r, g, b) = color;
            svg.push_str(&format!(
                "<text x=\"{cx}\" y=\"{cy}\" font-size=\"{size}\" font-family=\"DejaVu Sans, Verdana, sans-serif\" \
                 text-anchor=\"middle\" dominant-baseline=\"central\" fill=\"#{r:02x}{g:02x}{b:02x}\"{rotate}>{}</text>",
                xml_escape(s)
            ));
            return;
        }
        // Coverage of the unturned line, then copied onto the canvas turned and aligned.
        let mut coverage = vec![0f32; (w * h) as usize];
        for g in glyphs {
            if let Some(outline) = self.font.outline_glyph(g) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, c| {
                    let x = b.min.x as i64 + i64::from(gx);
                    let y = b.min.y as i64 + i64::from(gy);
                    if (0..i64::from(w)).contains(&x) && (0..i64::from(h)).contains(&y) {
                        let cell = &mut coverage[(y * i64::from(w) + x) as usize];
                        *cell = (*cell + c).min(1.0);
                    }
                });
            }
        }
        let (bw, bh) = if turn == Turn::None { (w, h) } else { (h, w) };
        let offset = |a: Align, len: u32| match a {
            Align::Start => 0,
            Align::Center => len as i32 / 2,
            Align::End => len as i32,
        };
        let x0 = at.0 - offset(align.0, bw);
        let y0 = at.1 - offset(align.1, bh);
        for sy in 0..h {
            for sx in 0..w {
                let a = coverage[(sy * w + sx) as usize];
                if a <= 0.0 {
                    continue;
                }
                let (dx, dy) = match turn {
                    Turn::None => (sx, sy),
                    Turn::Left => (sy, w - 1 - sx),
                    Turn::Right => (h - 1 - sy, sx),
                };
                self.blend(x0 + dx as i32, y0 + dy as i32, color, a);
            }
        }
    }

    fn blend(&mut self, x: i32, y: i32, color: RGBColor, alpha: f32) {
        if x < 0 || y < 0 || x >= CHART_WIDTH as i32 || y >= CHART_HEIGHT as i32 {
            return;
        }
        let i = (y as usize * CHART_WIDTH as usize + x as usize) * 3;
        let RGBColor(r, g, b) = color;
        for (channel, target) in self.pixels[i..i + 3].iter_mut().zip([r, g, b]) {
            let v = f32::from(*channel) + (f32::from(target) - f32::from(*channel)) * alpha;
            *channel = v.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// The overview chart of a server, [`CHART_WIDTH`] x [`CHART_HEIGHT`], as PNG bytes: one
/// horizontal bar per group, its check-in rate over the last finished weeks (none drawn for
/// a group without finished weeks).
pub fn overview_png(title: &str, groups: &[super::overview::GroupOverview]) -> Result<Vec<u8>, ChartError> {
    use Align::*;
    let font = FontRef::try_from_slice(dejavu::sans::regular()).map_err(|_| ChartError::Font)?;
    let (left, right, top, bottom) = (260, CHART_WIDTH as i32 - 80, 90, CHART_HEIGHT as i32 - 50);
    let rows = groups.len().max(1) as i32;
    let row_h = f64::from(bottom - top) / f64::from(rows);
    let x_of = |rate: f64| left + ((rate.clamp(0.0, 1.0)) * f64::from(right - left)).round() as i32;
    let mut pixels = vec![255u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    {
        let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut pixels, (CHART_WIDTH, CHART_HEIGHT))
            .map_err(draw_err)?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        for pct in (0..=100).step_by(10) {
            let x = x_of(f64::from(pct) / 100.0);
            root.draw(&PathElement::new(vec![(x, top), (x, bottom)], GRID)).map_err(draw_err)?;
        }
        for (i, g) in groups.iter().enumerate() {
            let y0 = top + (row_h * i as f64 + row_h * 0.18).round() as i32;
            let y1 = top + (row_h * (i + 1) as f64 - row_h * 0.18).round() as i32;
            if let Some(rate) = g.rate
                && x_of(rate) > left
            {
                root.draw(&Rectangle::new([(left, y0), (x_of(rate), y1.max(y0 + 1))], BAR.filled()))
                    .map_err(draw_err)?;
            }
        }
        root.draw(&PathElement::new(vec![(left, top), (left, bottom), (right, bottom)], AXIS)).map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    let mut canvas = Canvas { pixels: &mut pixels, font: &font, svg: None };
    canvas.text(&one_line(title, 60), 28.0, TEXT, (24, 14), (Start, Start), Turn::None);
    let subtitle = format!("Check-in rate over the last {} finished weeks, per group", super::overview::RATE_WEEKS);
    canvas.text(&subtitle, 16.0, MUTED, (24, 54), (Start, Start), Turn::None);
    let size = (row_h * 0.55).clamp(10.0, 16.0) as f32;
    for (i, g) in groups.iter().enumerate() {
        let y = top + (row_h * (i as f64 + 0.5)).round() as i32;
        canvas.text(&one_line(&g.name, 28), size, TEXT, (left - 10, y), (End, Center), Turn::None);
        let label = g.rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "no finished week".into());
        let x = g.rate.map_or(left, x_of);
        canvas.text(&label, size, TEXT, (x + 6, y), (Start, Center), Turn::None);
    }
    for pct in (0..=100).step_by(20) {
        let x = x_of(f64::from(pct) / 100.0);
        canvas.text(&format!("{pct}%"), 14.0, TEXT, (x, bottom + 8), (Center, Start), Turn::None);
    }
    encode_png(&pixels)
}

/// What a certificate says was completed: the whole path, or the weeks from the member's
/// first (a member who joined late).
pub fn completed(c: &crate::model::Certificate) -> String {
    if c.first_week <= 1 {
        format!("completed the {} ({} weeks)", c.path_name, c.path_weeks)
    } else {
        format!("completed weeks {} to {} of the {}", c.first_week, c.path_weeks, c.path_name)
    }
}

/// A certificate of completion (`/certificate`), [`CHART_WIDTH`] x [`CHART_HEIGHT`], as PNG
/// bytes: a framed page with the member's display name, the path, the group and server, the
/// dates, the check-ins and the verification code (drawn with the same built-in font as the
/// charts).
pub fn certificate_png(c: &crate::model::Certificate) -> Result<Vec<u8>, ChartError> {
    use Align::*;
    const GOLD: RGBColor = RGBColor(176, 141, 62);
    const INK: RGBColor = RGBColor(28, 42, 74);
    let font = FontRef::try_from_slice(dejavu::sans::regular()).map_err(|_| ChartError::Font)?;
    let (w, h) = (CHART_WIDTH as i32, CHART_HEIGHT as i32);
    let mut pixels = vec![255u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    {
        let backend = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut pixels, (CHART_WIDTH, CHART_HEIGHT))
            .map_err(draw_err)?;
        let root = backend.into_drawing_area();
        root.fill(&RGBColor(252, 250, 244)).map_err(draw_err)?;
        for (inset, colour) in [(18, GOLD), (24, GOLD), (30, INK)] {
            let frame = Rectangle::new([(inset, inset), (w - inset, h - inset)], colour.stroke_width(2));
            root.draw(&frame).map_err(draw_err)?;
        }
        root.draw(&PathElement::new(vec![(w / 2 - 120, 300), (w / 2 + 120, 300)], GOLD.stroke_width(2)))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    let mut canvas = Canvas { pixels: &mut pixels, font: &font, svg: None };
    let mid = w / 2;
    let mut line = |s: &str, size: f32, colour: RGBColor, y: i32| {
        canvas.text(s, size, colour, (mid, y), (Center, Start), Turn::None);
    };
    line("CERTIFICATE OF COMPLETION", 34.0, INK, 70);
    line("This certifies that", 18.0, MUTED, 140);
    line(&one_line(&c.display_name, 40), 46.0, INK, 180);
    line(&one_line(&completed(c), 70), 22.0, TEXT, 330);
    line(&one_line(&format!("with the study group {} on {}", c.group_name, c.server_name), 80), 18.0, TEXT, 368);
    let dates = format!(
        "{} to {}  \u{b7}  checked in for {} of {} weeks",
        c.started_on.format("%-d %B %Y"),
        c.finished_on.format("%-d %B %Y"),
        c.weeks_checked_in,
        c.weeks_held
    );
    line(&dates, 18.0, MUTED, 402);
    line(&format!("Verification code {}", c.code), 18.0, INK, 490);
    line("The server's host confirms it with: studybot verify CODE", 14.0, MUTED, 520);
    encode_png(&pixels)
}

fn encode_png(pixels: &[u8]) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, CHART_WIDTH, CHART_HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.write_image_data(pixels).map_err(|e| ChartError::Encode(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(out)
}

/// The text on one line, shortened to `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(3)).collect();
        format!("{}...", cut.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate draws at the chart's size, with ink on it, whatever the names (a late
    /// joiner's says which weeks).
    #[test]
    fn a_certificate_draws() {
        let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut c = crate::model::Certificate {
            code: "SB-7K2QD-M9XWE".into(),
            guild_id: 1,
            user_id: 2,
            display_name: "Ann \u{1F600} O'Neil".into(),
            group_name: "Tuesday evenings".into(),
            path_name: "Technical Architecture Path".into(),
            path_weeks: 36,
            server_name: "Distributed Systems Study".into(),
            first_week: 1,
            started_on: date("2026-01-05"),
            finished_on: date("2026-09-07"),
            weeks_checked_in: 30,
            weeks_held: 36,
            issued_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_eq!(completed(&c), "completed the Technical Architecture Path (36 weeks)");
        let png = certificate_png(&c).unwrap();
        std::fs::write(std::env::temp_dir().join("studybot-certificate-test.png"), &png).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!((reader.info().width, reader.info().height), (CHART_WIDTH, CHART_HEIGHT));
        let dark = buf.chunks(3).filter(|p| p.iter().all(|c| *c < 100)).count();
        assert!(dark > 5_000, "text drawn: {dark} dark pixels");
        c.first_week = 12;
        assert_eq!(completed(&c), "completed weeks 12 to 36 of the Technical Architecture Path");
    }

    #[test]
    fn text_is_laid_out_with_the_embedded_font() {
        let font = FontRef::try_from_slice(dejavu::sans::regular()).unwrap();
        let mut pixels = vec![255u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
        let mut canvas = Canvas { pixels: &mut pixels, font: &font, svg: None };
        let (w, h) = canvas.measure("Week", 16.0);
        assert!((30..50).contains(&w) && (15..22).contains(&h), "{w}x{h}");
        assert!(canvas.measure("Weeks", 16.0).0 > w);
        canvas.text("Week", 16.0, TEXT, (10, 10), (Align::Start, Align::Start), Turn::Left);
        let dark = pixels.chunks(3).filter(|p| p[0] < 128).count();
        assert!(dark > 40, "{dark}");
    }

    #[test]
    fn a_line_breaks_at_weeks_without_confidence() {
        let w = |week, c| WeekRow {
            week,
            checked_in: 0,
            active: 0,
            rate: 0.0,
            hours: 0.0,
            average_confidence: c,
            missed_by_bot: false,
            held: true,
            in_progress: false,
            interested: None,
        };
        let runs = confidence_runs(&[w(1, Some(2.0)), w(2, None), w(3, Some(3.0)), w(4, Some(4.0)), w(5, None)]);
        assert_eq!(runs, vec![vec![(1, 2.0)], vec![(3, 3.0), (4, 4.0)]]);
    }
}
