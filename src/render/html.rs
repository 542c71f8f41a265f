//! Web pages as views (askama templates under `templates/web/`, compiled and HTML-escaped):
//! the participation report as one self-contained file, and the static syllabus site. Pure:
//! plain data in, text out.
//!
//! Every page carries a Content-Security-Policy that allows only its own inline style and
//! script, by their SHA-256 hashes (`csp`): nothing is loaded from elsewhere, and a name a
//! member typed can never become markup or code (askama escapes it).

use crate::report::{self as export, Report};
use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The pages' style sheet (inline in the report, a file of the static site).
pub const CSS: &str = include_str!("../../templates/web/base.css");
/// Sortable tables (inline in the report).
pub const SORTABLE_JS: &str = include_str!("../../templates/web/sortable.js");

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error(transparent)]
    Chart(#[from] crate::report::ChartError),
    #[error("cannot render the page: {0}")]
    Template(#[from] askama::Error),
    #[error("cannot write the search index: {0}")]
    Index(String),
}

/// `'sha256-…'` of an inline `<style>` or `<script>` body, for a Content-Security-Policy.
pub fn csp_hash(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// The policy of a self-contained page: its one inline style and script, images only as
/// data, no frames, forms, plugins or connections.
pub fn csp(css: &str, js: &str) -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(css),
        csp_hash(js)
    )
}

/// A table cell (or header): its text, and whether it is a number (right-aligned, sorted as
/// a number).
pub struct Cell {
    pub text: String,
    pub num: bool,
}

fn cells(values: Vec<String>, text_columns: &[usize]) -> Vec<Cell> {
    values.into_iter().enumerate().map(|(i, text)| Cell { text, num: !text_columns.contains(&i) }).collect()
}

#[derive(Template)]
#[template(path = "web/report.html")]
struct ReportPage<'a> {
    r: &'a Report,
    csp: String,
    css: &'a str,
    js: &'a str,
    generated: String,
    figures: Vec<(&'static str, String)>,
    chart: String,
    week_header: Vec<Cell>,
    weeks: Vec<Vec<Cell>>,
    member_header: Vec<Cell>,
    members: Vec<Vec<Cell>>,
    at_risk: Vec<String>,
    at_risk_weeks: u32,
    hardest: Vec<(u32, u32, String, String, u32)>,
    forgotten_header: Vec<Cell>,
    forgotten: Vec<Vec<Cell>>,
}

/// The columns of the week table.
pub const WEEK_COLUMNS: [&str; 8] =
    ["week", "checked_in", "active", "checkin_rate", "hours", "average_confidence", "interested", "status"];

/// The participation report as one HTML file: the figures, the chart (SVG), the weeks, the
/// members with the members CSV's columns and values, at-risk members, hardest and
/// forgotten topics; tables sortable by their headers.
pub fn report_page(r: &Report) -> Result<String, PageError> {
    let s = &r.summary;
    let pct = |x: f64| format!("{}%", export::decimal(x * 100.0, 1));
    let mut figures = vec![
        ("Members", s.members.to_string()),
        ("Weeks held", s.held_weeks.to_string()),
        ("Check-ins (finished weeks)", s.checkins.to_string()),
        ("Check-in rate", pct(s.checkin_rate)),
        ("Hours", export::decimal(s.total_hours, 2)),
        (
            "Average confidence",
            s.average_confidence.map(|c| export::decimal(c, 2)).unwrap_or_else(|| "none yet".into()),
        ),
        ("At risk", s.at_risk.to_string()),
    ];
    if let Some(w) = s.running {
        figures
            .push(("Week in progress", format!("week {}: {} of {} checked in so far", w.week, w.checked_in, w.active)));
    }
    if let Some(b) = r.buddies_met {
        figures.push(("Study buddies", format!("week {}: {} of {} pairs met", b.week, b.met, b.pairs)));
    }
    let weeks = r
        .weeks
        .iter()
        .map(|w| {
            let status = if w.missed_by_bot {
                "missed by the bot"
            } else if !w.held {
                "not held"
            } else if w.in_progress {
                "in progress"
            } else {
                "held"
            };
            cells(
                vec![
                    w.week.to_string(),
                    w.checked_in.to_string(),
                    w.active.to_string(),
                    export::decimal(w.rate, 3),
                    export::decimal(w.hours, 2),
                    w.average_confidence.map(|c| export::decimal(c, 2)).unwrap_or_default(),
                    w.interested.map(|n| n.to_string()).unwrap_or_default(),
                    status.to_string(),
                ],
                &[7],
            )
        })
        .collect();
    // The members CSV's text columns: display_name, checked_in_running_week.
    let member_text = [1, 13];
    let page = ReportPage {
        r,
        csp: csp(CSS, SORTABLE_JS),
        css: CSS,
        js: SORTABLE_JS,
        generated: r.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        figures,
        chart: export::chart_svg(r)?,
        week_header: cells(WEEK_COLUMNS.iter().map(|h| h.to_string()).collect(), &[7]),
        weeks,
        member_header: cells(export::MEMBERS_HEADER.iter().map(|h| h.to_string()).collect(), &member_text),
        members: r.members.iter().map(|m| cells(export::member_values(m), &member_text)).collect(),
        at_risk: r
            .at_risk
            .iter()
            .map(|a| {
                let last = a.last_checkin_week.map(|w| format!(", last check-in week {w}")).unwrap_or_default();
                format!("{}: {} weeks missed in a row{last}", a.display_name, a.missed_weeks)
            })
            .collect(),
        at_risk_weeks: export::AT_RISK_MISSED_WEEKS,
        hardest: r
            .hardest
            .iter()
            .map(|h| (h.week, h.number, h.text.clone(), export::decimal(h.average, 2), h.ratings))
            .collect(),
        forgotten_header: cells(export::FORGOTTEN_HEADER.iter().map(|h| h.to_string()).collect(), &[2]),
        forgotten: r.forgotten.iter().map(|t| cells(export::forgotten_values(t), &[2])).collect(),
    };
    Ok(page.render()?)
}

// ---------------------------------------------------------------- the static syllabus site

/// The site's search, run in the reader's browser over `assets/search-index.js`.
pub const SEARCH_JS: &str = include_str!("../../templates/web/search.js");

/// The pages' icon.
pub const ICON: &str = include_str!("../../templates/web/icon.svg");

/// The site's name in every page's title and header.
const SITE: &str = "Distributed systems study syllabus";

/// One file of the static site: where it goes (relative, `/`-separated) and its bytes.
pub struct SiteFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A path as the index page lists it.
struct PathCard<'a> {
    id: &'a str,
    name: &'a str,
    summary: &'a str,
    audience: &'a str,
    weeks: usize,
    phases: usize,
}

#[derive(Template)]
#[template(path = "web/site_index.html")]
struct IndexPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    paths: Vec<PathCard<'a>>,
    tracks: usize,
    resources: usize,
}

#[derive(Template)]
#[template(path = "web/site_path.html")]
struct PathPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    p: &'a crate::curriculum::PathFile,
    phases: Vec<(&'a crate::curriculum::Phase, Vec<&'a crate::curriculum::Week>)>,
}

#[derive(Template)]
#[template(path = "web/site_week.html")]
struct WeekPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    path: &'a crate::curriculum::PathFile,
    phase: &'a crate::curriculum::Phase,
    w: &'a crate::curriculum::Week,
    rated: Vec<&'a String>,
    reflective: Vec<&'a String>,
    look_back: Option<&'a crate::curriculum::LookBack>,
    resources: Vec<&'a crate::curriculum::Resource>,
    prev: Option<u32>,
    next: Option<u32>,
}

#[derive(Template)]
#[template(path = "web/site_tracks.html")]
struct TracksPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    c: &'a crate::curriculum::Curriculum,
    guide: Option<&'a crate::curriculum::TrackGuide>,
    tracks: &'a [crate::curriculum::Track],
}

impl TracksPage<'_> {
    fn resource_title(&self, id: &str) -> String {
        self.c.resource(id).map(|r| r.title.clone()).unwrap_or_else(|| id.to_string())
    }
}

#[derive(Template)]
#[template(path = "web/site_resources.html")]
struct ResourcesPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    groups: Vec<(crate::curriculum::ResourceKind, Vec<&'a crate::curriculum::Resource>)>,
}

#[derive(Template)]
#[template(path = "web/site_role.html")]
struct RolePage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
    r: &'a crate::curriculum::Role,
}

#[derive(Template)]
#[template(path = "web/site_search.html")]
struct SearchPage<'a> {
    title: &'a str,
    site: &'a str,
    root: &'a str,
    has_role: bool,
}

/// One entry of the search index: title, where it lives, link from the site's root, text.
#[derive(serde::Serialize)]
struct Entry {
    t: String,
    c: String,
    u: String,
    x: String,
}

/// The week page's file, from the site's root.
pub fn week_file(path_id: &str, week: u32) -> String {
    format!("paths/{path_id}/week-{week}.html")
}

/// The whole syllabus as a static site: an index of the paths, a page per path and per
/// week (linkable: `paths/<id>/week-<n>.html`), the tracks with the guide to choosing one,
/// the resources, the role, and a search page that runs in the browser over an index
/// shipped as a script. Every page has a Content-Security-Policy allowing only the site's
/// own style sheet and scripts; there is no member data in it (it is made from the
/// curriculum alone).
pub fn site(c: &crate::curriculum::Curriculum) -> Result<Vec<SiteFile>, PageError> {
    let has_role = c.role.is_some();
    let mut files = Vec::new();
    let mut add = |path: String, text: String| files.push(SiteFile { path, bytes: text.into_bytes() });
    let paths = c
        .paths
        .iter()
        .map(|p| PathCard {
            id: &p.path.id,
            name: &p.path.name,
            summary: &p.path.summary,
            audience: &p.path.audience,
            weeks: p.weeks.len(),
            phases: p.phases.len(),
        })
        .collect();
    let index = IndexPage {
        title: "The syllabus",
        site: SITE,
        root: "",
        has_role,
        paths,
        tracks: c.tracks.len(),
        resources: c.resources.len(),
    };
    add("index.html".into(), index.render()?);
    let mut entries: Vec<Entry> = Vec::new();
    for p in &c.paths {
        let phases =
            p.phases.iter().map(|ph| (ph, p.weeks.iter().filter(|w| w.phase == ph.number).collect())).collect();
        let page = PathPage { title: &p.path.name, site: SITE, root: "../../", has_role, p, phases };
        add(format!("paths/{}/index.html", p.path.id), page.render()?);
        for (i, w) in p.weeks.iter().enumerate() {
            let Some(phase) = p.phase(w.phase) else { continue };
            let title = format!("Week {}: {}", w.number, w.title);
            let page = WeekPage {
                title: &title,
                site: SITE,
                root: "../../",
                has_role,
                path: p,
                phase,
                w,
                rated: (0..w.questions.len()).filter(|q| w.is_rated(*q)).map(|q| &w.questions[q]).collect(),
                reflective: (0..w.questions.len()).filter(|q| !w.is_rated(*q)).map(|q| &w.questions[q]).collect(),
                look_back: p.look_back.iter().find(|b| b.closes == w.number),
                resources: w.resources.iter().filter_map(|id| c.resource(id)).collect(),
                prev: (i > 0).then(|| p.weeks[i - 1].number),
                next: p.weeks.get(i + 1).map(|n| n.number),
            };
            add(week_file(&p.path.id, w.number), page.render()?);
            let mut text = vec![w.summary.clone()];
            text.extend(w.topics.iter().map(|t| format!("{} {}", t.name, t.summary)));
            text.extend(w.questions.iter().cloned());
            text.extend(w.exercises.iter().cloned());
            entries.push(Entry {
                t: title,
                c: p.path.name.clone(),
                u: week_file(&p.path.id, w.number),
                x: text.join(" "),
            });
        }
    }
    let tracks = TracksPage {
        title: "Specialization tracks",
        site: SITE,
        root: "../",
        has_role,
        c,
        guide: c.guide.as_ref(),
        tracks: &c.tracks,
    };
    add("tracks/index.html".into(), tracks.render()?);
    if let Some(g) = &c.guide {
        let mut text = vec![g.summary.clone()];
        text.extend(g.why.iter().chain(&g.decide).chain(&g.t_shaped).chain(&g.next_steps).cloned());
        text.extend(g.timeline.iter().map(|s| format!("{} {}", s.when, s.what)));
        text.extend(g.plan.iter().map(|s| format!("{} {} {}", s.title, s.when, s.steps.join(" "))));
        text.push("T-shaped skills career timeline action plan".into());
        entries.push(Entry {
            t: "Choosing a specialization".into(),
            c: "Tracks".into(),
            u: "tracks/index.html#choosing".into(),
            x: text.join(" "),
        });
    }
    for t in &c.tracks {
        let techs: Vec<String> = t.technologies.iter().flat_map(|a| a.items.clone()).collect();
        let x = format!("{} {} {} {}", t.summary, t.what_you_do.join(" "), techs.join(" "), t.projects.join(" "));
        entries.push(Entry { t: t.name.clone(), c: "Track".into(), u: format!("tracks/index.html#{}", t.id), x });
    }
    let groups = super::group_by_kind(&c.resources);
    for r in &c.resources {
        let x = format!("{} {} {}", r.by.as_deref().unwrap_or_default(), r.kind.as_str(), r.summary);
        entries.push(Entry { t: r.title.clone(), c: "Resource".into(), u: format!("resources.html#{}", r.id), x });
    }
    add(
        "resources.html".into(),
        ResourcesPage { title: "Resources", site: SITE, root: "", has_role, groups }.render()?,
    );
    if let Some(r) = &c.role {
        add("role.html".into(), RolePage { title: &r.title, site: SITE, root: "", has_role, r }.render()?);
        let mut text = vec![r.summary.clone()];
        text.extend(r.characteristics.iter().chain(&r.responsibilities).chain(&r.skills).cloned());
        text.extend(r.best_practices.iter().chain(&r.challenges).map(|a| format!("{} {}", a.area, a.points.join(" "))));
        if let Some(career) = &r.career {
            text.push(career.summary.clone());
            text.extend(career.pay.iter().map(|l| format!("pay {} {}", l.title, l.range)));
            text.extend(
                career
                    .pay_notes
                    .iter()
                    .chain(&career.requirements)
                    .chain(&career.progression)
                    .chain(&career.market)
                    .cloned(),
            );
        }
        entries.push(Entry { t: r.title.clone(), c: "The role".into(), u: "role.html".into(), x: text.join(" ") });
    }
    add("search.html".into(), SearchPage { title: "Search", site: SITE, root: "", has_role }.render()?);
    let json = serde_json::to_string(&entries).map_err(|e| PageError::Index(e.to_string()))?;
    // `</` never closes anything in a script file, but keep the index inert in any context.
    add("assets/search-index.js".into(), format!("window.STUDYBOT_SEARCH = {};\n", json.replace("</", "<\\/")));
    add("assets/search.js".into(), SEARCH_JS.to_string());
    add("assets/style.css".into(), CSS.to_string());
    add("assets/icon.svg".into(), ICON.to_string());
    Ok(files)
}

// ---------------------------------------------------------------- the read-only web pages

/// A number as templates hand it over (by value or through references).
pub trait Number {
    fn value(&self) -> f64;
}

impl Number for f64 {
    fn value(&self) -> f64 {
        *self
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn value(&self) -> f64 {
        (**self).value()
    }
}

/// Hours or an average, at most 2 decimals (for templates).
pub fn hours(x: impl Number) -> String {
    export::decimal(x.value(), 2)
}

/// A rate from 0 to 1 as a percentage (for templates).
pub fn percent(x: impl Number) -> String {
    format!("{}%", export::decimal(x.value() * 100.0, 1))
}

#[derive(Template)]
#[template(path = "web/app_enter.html")]
struct EnterPage<'a> {
    title: &'a str,
    signed_in: bool,
    moderator: bool,
    token: &'a str,
}

#[derive(Template)]
#[template(path = "web/app_message.html")]
struct MessagePage<'a> {
    title: &'a str,
    signed_in: bool,
    moderator: bool,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "web/app_me.html")]
struct MePage<'a> {
    title: &'a str,
    signed_in: bool,
    moderator: bool,
    name: &'a str,
    groups: &'a [crate::service::progress::GroupProgress],
}

#[derive(Template)]
#[template(path = "web/app_overview.html")]
struct OverviewPage<'a> {
    title: &'a str,
    signed_in: bool,
    moderator: bool,
    groups: &'a [crate::report::overview::GroupOverview],
}

/// The page a bot's link opens: a button that POSTs the link's token (so a link preview,
/// which only GETs, cannot use it).
pub fn enter_page(token: &str) -> Result<String, PageError> {
    Ok(EnterPage { title: "Open your pages", signed_in: false, moderator: false, token }.render()?)
}

/// A page that only says something (a used link, an ended visit, a page not for you).
pub fn message_page(title: &str, message: &str, signed_in: bool, moderator: bool) -> Result<String, PageError> {
    Ok(MessagePage { title, signed_in, moderator, message }.render()?)
}

/// The member's progress in each of their groups.
pub fn me_page(
    name: &str,
    groups: &[crate::service::progress::GroupProgress],
    moderator: bool,
) -> Result<String, PageError> {
    Ok(MePage { title: "My progress", signed_in: true, moderator, name, groups }.render()?)
}

/// Every group of the server at a glance, each linking its report.
pub fn overview_page(groups: &[crate::report::overview::GroupOverview]) -> Result<String, PageError> {
    Ok(OverviewPage { title: "Reports", signed_in: true, moderator: true, groups }.render()?)
}
