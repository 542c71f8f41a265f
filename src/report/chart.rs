//! The participation chart as a PNG: check-in rate per week as bars (left axis, %) and the
//! average confidence per week as a line (right axis, 1-5).
//!
//! Text is drawn with DejaVu Sans compiled into the binary (the `dejavu` crate; plotters'
//! `ab_glyph` backend), never a system font, so the chart looks the same on every host,
//! including minimal containers without fonts.

use super::Report;
use plotters::backend::RGBPixel;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::sync::OnceLock;

/// Width of the chart in pixels.
pub const CHART_WIDTH: u32 = 1000;
/// Height of the chart in pixels.
pub const CHART_HEIGHT: u32 = 600;

/// The font family name the embedded font is registered under.
const FONT: &str = "sans-serif";

const BAR: RGBColor = RGBColor(66, 133, 244);
const LINE: RGBColor = RGBColor(230, 120, 20);
const TEXT: RGBColor = RGBColor(30, 30, 30);
const MUTED: RGBColor = RGBColor(90, 90, 90);

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

/// Registers the embedded font with plotters, once per process.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Draws the report's chart, [`CHART_WIDTH`] x [`CHART_HEIGHT`], as PNG bytes.
pub fn chart_png(report: &Report) -> Result<Vec<u8>, ChartError> {
    ensure_font()?;
    let mut pixels = vec![0u8; CHART_WIDTH as usize * CHART_HEIGHT as usize * 3];
    draw(report, &mut pixels)?;
    encode_png(&pixels)
}

fn draw(report: &Report, pixels: &mut [u8]) -> Result<(), ChartError> {
    let backend =
        BitMapBackend::<RGBPixel>::with_buffer_and_format(pixels, (CHART_WIDTH, CHART_HEIGHT)).map_err(draw_err)?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(draw_err)?;
    let (header, body) = root.split_vertically(86);

    // Header: title, one line of totals, and the legend.
    let title = format!("Participation: {}", one_line(&report.group_name, 60));
    header.draw(&Text::new(title, (24, 14), (FONT, 28).into_font().color(&TEXT))).map_err(draw_err)?;
    let s = &report.summary;
    let mut totals = format!(
        "Weeks {}-{} of {}  |  {} members  |  {} check-ins ({:.0}%)  |  {:.1} h",
        report.from_week,
        report.to_week,
        report.total_weeks,
        s.members,
        s.checkins,
        s.checkin_rate * 100.0,
        s.total_hours
    );
    if let Some(c) = s.average_confidence {
        totals.push_str(&format!("  |  confidence {c:.1}/5"));
    }
    header.draw(&Text::new(totals, (24, 54), (FONT, 16).into_font().color(&MUTED))).map_err(draw_err)?;
    let legend_x = CHART_WIDTH as i32 - 250;
    header.draw(&Rectangle::new([(legend_x, 18), (legend_x + 22, 32)], BAR.filled())).map_err(draw_err)?;
    header
        .draw(&Text::new("Check-in rate (%)", (legend_x + 30, 16), (FONT, 16).into_font().color(&TEXT)))
        .map_err(draw_err)?;
    header
        .draw(&PathElement::new(vec![(legend_x, 50), (legend_x + 22, 50)], LINE.stroke_width(3)))
        .map_err(draw_err)?;
    header.draw(&Circle::new((legend_x + 11, 50), 4, LINE.filled())).map_err(draw_err)?;
    header
        .draw(&Text::new("Avg confidence (1-5)", (legend_x + 30, 42), (FONT, 16).into_font().color(&TEXT)))
        .map_err(draw_err)?;

    // Body: bars on the primary axes, the confidence line on the secondary ones. Both use
    // one segment per week, so a bar and its point share the same column.
    let (first, last) = (report.from_week, report.to_week);
    let weeks = || (first..last + 1).into_segmented();
    let mut chart = ChartBuilder::on(&body)
        .margin_left(12)
        .margin_right(12)
        .margin_bottom(10)
        .margin_top(6)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .right_y_label_area_size(70)
        .build_cartesian_2d(weeks(), 0f64..100f64)
        .map_err(draw_err)?
        .set_secondary_coord(weeks(), 1f64..5f64);

    let week_label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(w) | SegmentValue::Exact(w) => w.to_string(),
        SegmentValue::Last => String::new(),
    };
    let span = (last - first + 1) as usize;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(span.min(40))
        .x_label_formatter(&week_label)
        .y_labels(11)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("Week")
        .y_desc("Check-in rate (%)")
        .label_style((FONT, 15).into_font().color(&TEXT))
        .axis_desc_style((FONT, 17).into_font().color(&TEXT))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(draw_err)?;
    chart
        .configure_secondary_axes()
        .y_labels(5)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_desc("Average confidence (1-5)")
        .label_style((FONT, 15).into_font().color(&TEXT))
        .axis_desc_style((FONT, 17).into_font().color(&TEXT))
        .draw()
        .map_err(draw_err)?;

    let gap = if span > 20 { 2 } else { 8 };
    chart
        .draw_series(report.weeks.iter().map(|w| {
            let mut bar = Rectangle::new(
                [(SegmentValue::Exact(w.week), 0.0), (SegmentValue::Exact(w.week + 1), w.rate * 100.0)],
                BAR.filled(),
            );
            bar.set_margin(0, 0, gap, gap);
            bar
        }))
        .map_err(draw_err)?;

    // The line breaks at weeks without check-ins (no confidence to show).
    let mut runs: Vec<Vec<(SegmentValue<u32>, f64)>> = vec![Vec::new()];
    for w in &report.weeks {
        match w.average_confidence {
            Some(c) => {
                if let Some(run) = runs.last_mut() {
                    run.push((SegmentValue::CenterOf(w.week), c));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.into_iter().filter(|r| !r.is_empty()) {
        chart
            .draw_secondary_series(LineSeries::new(run.clone(), LINE.stroke_width(3)))
            .map_err(draw_err)?;
        chart
            .draw_secondary_series(run.into_iter().map(|p| Circle::new(p, 4, LINE.filled())))
            .map_err(draw_err)?;
    }
    root.present().map_err(draw_err)?;
    Ok(())
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
        format!("{cut}...")
    }
}
