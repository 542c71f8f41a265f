//! Parsing and validation of the curriculum sources. Every problem is collected, not just
//! the first, and each one is given the position of the offending key.

use super::locate::{self, KeyPath, Seg};
use super::model::*;
use super::{Curriculum, Pending, Problem, Problems, Source};
use std::collections::{HashMap, HashSet};
use toml_edit::{Document, Item, Value};

/// Limits that keep every rendered post within Discord's limits (see `render`).
pub const MAX_ID: usize = 40;
pub const MAX_TITLE: usize = 100;
pub const MAX_TOPIC_NAME: usize = 80;
pub const MAX_TOPIC_SUMMARY: usize = 200;
pub const MAX_ITEM: usize = 200;
pub const MAX_SUMMARY: usize = 600;
pub const MAX_URL: usize = 300;
pub const TOPICS: (usize, usize) = (1, 8);
pub const QUESTIONS: (usize, usize) = (3, 5);
/// Each week needs at least this many questions that can be rated 1 to 5.
pub const MIN_RATED_QUESTIONS: usize = 3;
pub const MAX_EXERCISES: usize = 6;
pub const MAX_WEEK_RESOURCES: usize = 6;

enum Kind {
    Resources,
    Tracks,
    Role,
    Path,
}

fn kind_of(source: &Source) -> Kind {
    match source.name.file_name().and_then(|n| n.to_str()) {
        Some("resources.toml") => Kind::Resources,
        Some("tracks.toml") => Kind::Tracks,
        Some("role.toml") => Kind::Role,
        _ => Kind::Path,
    }
}

pub(super) fn load(sources: Vec<Source>) -> Result<Curriculum, Problems> {
    let mut problems = Vec::new();
    let mut pending = Vec::new();
    let mut docs: Vec<Option<Document<String>>> = Vec::new();

    let mut resources: Vec<(usize, Resource)> = Vec::new();
    let mut tracks: Vec<(usize, Track)> = Vec::new();
    let mut paths: Vec<(usize, PathFile)> = Vec::new();
    let mut role = None;
    let mut have_resources = false;
    let mut have_tracks = false;

    for (fi, src) in sources.iter().enumerate() {
        let doc = match Document::parse(src.text.clone()) {
            Ok(doc) => doc,
            Err(e) => {
                let at = e.span().map(|s| s.start).unwrap_or(0);
                problems.push(src.problem_at(at, syntax_message(e.message())));
                docs.push(None);
                continue;
            }
        };
        check_strings(&doc, fi, &mut pending);
        docs.push(Some(doc));
        macro_rules! typed {
            ($t:ty) => {
                match toml::from_str::<$t>(&src.text) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        let at = e.span().map(|s| s.start).unwrap_or(0);
                        problems.push(src.problem_at(at, e.message().trim().to_string()));
                        None
                    }
                }
            };
        }
        match kind_of(src) {
            Kind::Resources => {
                have_resources = true;
                if let Some(f) = typed!(ResourcesFile) {
                    resources.extend(f.resources.into_iter().map(|r| (fi, r)));
                }
            }
            Kind::Tracks => {
                have_tracks = true;
                if let Some(f) = typed!(TracksFile) {
                    tracks.extend(f.tracks.into_iter().map(|t| (fi, t)));
                }
            }
            Kind::Role => {
                if let Some(f) = typed!(RoleFile) {
                    role = Some(f.role);
                }
            }
            Kind::Path => {
                if let Some(f) = typed!(PathFile) {
                    paths.push((fi, f));
                }
            }
        }
    }
    if !have_resources {
        problems.push(Problem {
            file: "resources.toml".into(),
            line: 1,
            col: 1,
            message: "missing file: the curriculum needs a resources.toml".into(),
        });
    }
    if !have_tracks {
        problems.push(Problem {
            file: "tracks.toml".into(),
            line: 1,
            col: 1,
            message: "missing file: the curriculum needs a tracks.toml".into(),
        });
    }

    if !sources.iter().any(|s| matches!(kind_of(s), Kind::Path)) {
        problems.push(Problem {
            file: "paths".into(),
            line: 1,
            col: 1,
            message: "no learning paths: add at least one paths/<id>.toml".into(),
        });
    }

    check_semantics(&resources, &tracks, &paths, &mut pending);

    for p in pending {
        let src = &sources[p.file];
        let at = docs[p.file].as_ref().and_then(|d| locate::locate(d, &p.path)).map(|r| r.start).unwrap_or(0);
        let key = locate::display(&p.path);
        let message = if key.is_empty() { p.message } else { format!("{key}: {}", p.message) };
        problems.push(src.problem_at(at, message));
    }

    let path_sources = paths.iter().map(|(fi, _)| sources[*fi].name.clone()).collect();
    let curriculum = Curriculum {
        resources: resources.into_iter().map(|(_, r)| r).collect(),
        tracks: tracks.into_iter().map(|(_, t)| t).collect(),
        paths: paths.into_iter().map(|(_, p)| p).collect(),
        path_sources,
        role,
    };
    if problems.is_empty() {
        Ok(curriculum)
    } else {
        problems.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        problems.dedup();
        Err(Problems(problems))
    }
}

fn syntax_message(m: &str) -> String {
    let first = m.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid TOML");
    format!("TOML syntax error: {}", first.trim())
}

/// Walks every string in the document: no empty strings, and each within its length limit.
fn check_strings(doc: &Document<String>, file: usize, out: &mut Vec<Pending>) {
    fn limit(path: &[Seg]) -> usize {
        let last_key = path.iter().rev().find_map(|s| match s {
            Seg::Key(k) => Some(*k),
            Seg::Index(_) => None,
        });
        let in_topics = path.contains(&Seg::Key("topics"));
        match (path.last(), last_key) {
            (Some(Seg::Index(_)), _) => MAX_ITEM,
            (_, Some("id")) => MAX_ID,
            (_, Some("url")) => MAX_URL,
            (_, Some("name")) if in_topics => MAX_TOPIC_NAME,
            (_, Some("summary")) if in_topics => MAX_TOPIC_SUMMARY,
            (_, Some("summary")) => MAX_SUMMARY,
            (_, Some("title" | "name" | "area" | "range")) => MAX_TITLE,
            _ => MAX_ITEM,
        }
    }
    fn walk_value(v: &Value, path: &mut KeyPath, file: usize, out: &mut Vec<Pending>) {
        match v {
            Value::String(s) => {
                let s = s.value();
                if s.trim().is_empty() {
                    out.push(Pending { file, path: path.clone(), message: "must not be empty".into() });
                } else {
                    let max = limit(path);
                    let n = s.chars().count();
                    if n > max {
                        out.push(Pending {
                            file,
                            path: path.clone(),
                            message: format!("is {n} characters long, the limit is {max}"),
                        });
                    }
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    walk_value(v, path, file, out);
                    path.pop();
                }
            }
            Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    path.push(Seg::Key(intern(k)));
                    walk_value(v, path, file, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    fn walk_item(item: &Item, path: &mut KeyPath, file: usize, out: &mut Vec<Pending>) {
        match item {
            Item::Value(v) => walk_value(v, path, file, out),
            Item::Table(t) => {
                for (k, v) in t.iter() {
                    path.push(Seg::Key(intern(k)));
                    walk_item(v, path, file, out);
                    path.pop();
                }
            }
            Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    path.push(Seg::Index(i));
                    for (k, v) in t.iter() {
                        path.push(Seg::Key(intern(k)));
                        walk_item(v, path, file, out);
                        path.pop();
                    }
                    path.pop();
                }
            }
            Item::None => {}
        }
    }
    let mut path = Vec::new();
    for (k, v) in doc.as_table().iter() {
        path.push(Seg::Key(intern(k)));
        walk_item(v, &mut path, file, out);
        path.pop();
    }
}

/// Key paths hold `&'static str`; keys that are not schema keys are reported by serde as
/// unknown, so mapping them to a placeholder here loses nothing.
fn intern(k: &str) -> &'static str {
    const KEYS: &[&str] = &[
        "resources",
        "id",
        "kind",
        "title",
        "by",
        "url",
        "summary",
        "tracks",
        "name",
        "compensation",
        "demand",
        "growth",
        "companies",
        "what_you_do",
        "technologies",
        "area",
        "items",
        "foundation",
        "learning_hours",
        "learning",
        "hours",
        "topics",
        "projects",
        "levels",
        "range",
        "interview_focus",
        "best_for",
        "avoid_if",
        "path",
        "audience",
        "weekly_hours",
        "phases",
        "number",
        "weeks",
        "phase",
        "exercises",
        "project",
        "questions",
        "reflective",
        "outline",
        "monthly_review",
        "assessment",
        "skills",
        "role",
        "characteristics",
        "responsibilities",
        "best_practices",
        "challenges",
        "points",
    ];
    KEYS.iter().copied().find(|x| *x == k).unwrap_or("?")
}

fn check_id(id: &str, file: usize, path: KeyPath, out: &mut Vec<Pending>) {
    if !id.is_empty() && !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        out.push(Pending { file, path, message: format!("id `{id}` may only use lowercase letters, digits and '-'") });
    }
}

fn check_semantics(
    resources: &[(usize, Resource)],
    tracks: &[(usize, Track)],
    paths: &[(usize, PathFile)],
    out: &mut Vec<Pending>,
) {
    use Seg::{Index as I, Key as K};
    let push =
        |out: &mut Vec<Pending>, file: usize, path: KeyPath, message: String| out.push(Pending { file, path, message });

    // Resource ids: well-formed and unique.
    let mut resource_ids: HashMap<&str, usize> = HashMap::new();
    for (i, (file, r)) in resources.iter().enumerate() {
        let at = vec![K("resources"), I(i), K("id")];
        check_id(&r.id, *file, at.clone(), out);
        if resource_ids.insert(r.id.as_str(), i).is_some() {
            push(out, *file, at, format!("duplicate resource id `{}`", r.id));
        }
    }
    let known = |id: &str| resource_ids.contains_key(id);
    let suggest = |id: &str| {
        resource_ids
            .keys()
            .map(|k| (strsim::jaro_winkler(k, id), *k))
            .filter(|(s, _)| *s > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| format!(" (did you mean `{k}`?)"))
            .unwrap_or_default()
    };

    // Tracks.
    let mut track_ids = HashSet::new();
    for (ti, (file, t)) in tracks.iter().enumerate() {
        let base = vec![K("tracks"), I(ti)];
        let at = |k: &'static str| {
            let mut p = base.clone();
            p.push(K(k));
            p
        };
        check_id(&t.id, *file, at("id"), out);
        if !track_ids.insert(t.id.as_str()) {
            push(out, *file, at("id"), format!("duplicate track id `{}`", t.id));
        }
        for (key, len) in [
            ("companies", t.companies.len()),
            ("what_you_do", t.what_you_do.len()),
            ("technologies", t.technologies.len()),
            ("learning", t.learning.len()),
            ("projects", t.projects.len()),
            ("levels", t.levels.len()),
            ("interview_focus", t.interview_focus.len()),
            ("resources", t.resources.len()),
        ] {
            if len == 0 {
                push(out, *file, at(key), "must list at least one entry".into());
            }
        }
        let sum: u32 = t.learning.iter().map(|l| l.hours).sum();
        if sum != t.learning_hours {
            push(
                out,
                *file,
                at("learning_hours"),
                format!("is {} but the learning areas add up to {sum} hours", t.learning_hours),
            );
        }
        for (ri, id) in t.resources.iter().enumerate() {
            if !known(id) {
                let mut p = at("resources");
                p.push(I(ri));
                push(out, *file, p, format!("unknown resource id `{id}`{}", suggest(id)));
            }
        }
    }

    // Paths.
    let mut path_ids = HashSet::new();
    for (file, p) in paths {
        let file = *file;
        check_id(&p.path.id, file, vec![K("path"), K("id")], out);
        if !path_ids.insert(p.path.id.as_str()) {
            push(out, file, vec![K("path"), K("id")], format!("duplicate path id `{}`", p.path.id));
        }
        // Phases: numbered 1..n in order.
        for (i, ph) in p.phases.iter().enumerate() {
            if ph.number as usize != i + 1 {
                push(
                    out,
                    file,
                    vec![K("phases"), I(i), K("number")],
                    format!("phase number {} out of sequence, expected {}", ph.number, i + 1),
                );
            }
        }
        if p.phases.is_empty() {
            push(out, file, vec![K("phases")], "a path needs at least one phase".into());
        }
        if p.weeks.is_empty() {
            push(out, file, vec![K("weeks")], "a path needs at least one week".into());
        }
        let review = &p.path.monthly_review;
        if !review.is_empty() && (review.len() < QUESTIONS.0 || review.len() > QUESTIONS.1) {
            push(
                out,
                file,
                vec![K("path"), K("monthly_review")],
                format!("{} monthly review questions, needs {} to {}", review.len(), QUESTIONS.0, QUESTIONS.1),
            );
        }
        for (i, q) in review.iter().enumerate() {
            if q.trim().is_empty() {
                push(out, file, vec![K("path"), K("monthly_review"), I(i)], "empty monthly review question".into());
            }
        }
        // Weeks: contiguous from 1, in order, each naming an existing phase.
        let mut seen = HashSet::new();
        let mut questions: HashMap<String, u32> = HashMap::new();
        for (wi, w) in p.weeks.iter().enumerate() {
            let at = |k: &'static str| vec![K("weeks"), I(wi), K(k)];
            if w.number == 0 {
                push(out, file, at("number"), "week numbers start at 1".into());
            } else if !seen.insert(w.number) {
                push(out, file, at("number"), format!("duplicate week number {}", w.number));
            } else if wi > 0 && w.number < p.weeks[wi - 1].number {
                push(
                    out,
                    file,
                    at("number"),
                    format!("week {} comes after week {}: keep weeks in order", w.number, p.weeks[wi - 1].number),
                );
            }
            if p.phase(w.phase).is_none() {
                push(out, file, at("phase"), format!("unknown phase {}", w.phase));
            }
            if wi > 0 && w.phase < p.weeks[wi - 1].phase {
                push(out, file, at("phase"), "phases must not go backwards".into());
            }
            let (lo, hi) = TOPICS;
            if w.topics.len() < lo || w.topics.len() > hi {
                push(
                    out,
                    file,
                    at("topics"),
                    format!("week {} has {} topics, needs {lo} to {hi}", w.number, w.topics.len()),
                );
            }
            let (lo, hi) = QUESTIONS;
            if w.questions.len() < lo || w.questions.len() > hi {
                push(
                    out,
                    file,
                    at("questions"),
                    format!(
                        "week {} has {} self-assessment questions, needs {lo} to {hi}",
                        w.number,
                        w.questions.len()
                    ),
                );
            }
            let mut seen_reflective = HashSet::new();
            for (ri, r) in w.reflective.iter().enumerate() {
                let mut pth = at("reflective");
                pth.push(I(ri));
                if *r == 0 || *r as usize > w.questions.len() {
                    push(
                        out,
                        file,
                        pth,
                        format!("reflective question {r} does not exist: week {} has {}", w.number, w.questions.len()),
                    );
                } else if !seen_reflective.insert(*r) {
                    push(out, file, pth, format!("question {r} is listed as reflective twice"));
                }
            }
            // (A week with too few questions in all is reported once, above.)
            if w.questions.len() >= lo && w.rated_count() < MIN_RATED_QUESTIONS {
                push(
                    out,
                    file,
                    at("reflective"),
                    format!(
                        "week {} has {} rated self-assessment questions (the rest are reflective), needs at least \
                         {MIN_RATED_QUESTIONS}",
                        w.number,
                        w.rated_count()
                    ),
                );
            }
            for (qi, q) in w.questions.iter().enumerate() {
                if let Some(other) = questions.insert(q.trim().to_lowercase(), w.number) {
                    let mut pth = at("questions");
                    pth.push(I(qi));
                    push(out, file, pth, format!("question repeats one from week {other}"));
                }
            }
            let mut outlined = HashSet::new();
            for (oi, o) in w.outline.iter().enumerate() {
                let here = |k: &'static str| vec![K("weeks"), I(wi), K("outline"), I(oi), K(k)];
                let q = o.question as usize;
                if q == 0 || q > w.questions.len() {
                    let n = w.questions.len();
                    push(
                        out,
                        file,
                        here("question"),
                        format!("question {q} does not exist: week {} has {n}", w.number),
                    );
                } else if !w.is_rated(q - 1) {
                    push(
                        out,
                        file,
                        here("question"),
                        format!(
                            "question {q} is reflective: only rated questions come back in review, with their outline"
                        ),
                    );
                } else if !outlined.insert(q) {
                    push(out, file, here("question"), format!("question {q} has two outlines"));
                }
                if o.points.is_empty() || o.points.len() > MAX_OUTLINE_POINTS {
                    let n = o.points.len();
                    push(out, file, here("points"), format!("{n} points, needs 1 to {MAX_OUTLINE_POINTS}"));
                }
                for (pi, point) in o.points.iter().enumerate() {
                    let mut pth = here("points");
                    pth.push(I(pi));
                    let n = point.trim().chars().count();
                    if n == 0 || n > MAX_OUTLINE_POINT {
                        push(out, file, pth, format!("a point of {n} characters, needs 1 to {MAX_OUTLINE_POINT}"));
                    }
                }
            }
            if w.exercises.len() > MAX_EXERCISES {
                push(out, file, at("exercises"), format!("{} exercises, at most {MAX_EXERCISES}", w.exercises.len()));
            }
            if w.resources.len() > MAX_WEEK_RESOURCES {
                push(
                    out,
                    file,
                    at("resources"),
                    format!("{} resources, at most {MAX_WEEK_RESOURCES}", w.resources.len()),
                );
            }
            for (ri, id) in w.resources.iter().enumerate() {
                if !known(id) {
                    let mut pth = at("resources");
                    pth.push(I(ri));
                    push(out, file, pth, format!("unknown resource id `{id}`{}", suggest(id)));
                }
            }
        }
        let max = p.weeks.iter().map(|w| w.number).max().unwrap_or(0);
        for n in 1..=max {
            if !seen.contains(&n) {
                // Point at the first week after the gap.
                let wi = p.weeks.iter().position(|w| w.number > n).unwrap_or(0);
                push(
                    out,
                    file,
                    vec![K("weeks"), I(wi), K("number")],
                    format!("week {n} is missing: weeks must run 1, 2, 3... without gaps"),
                );
            }
        }
        for (i, ph) in p.phases.iter().enumerate() {
            if !p.weeks.iter().any(|w| w.phase == ph.number) {
                push(out, file, vec![K("phases"), I(i), K("number")], format!("phase {} has no weeks", ph.number));
            }
        }
    }
}
