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
    let mut guide = None;
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
                    guide = f.guide.map(|g| (fi, g));
                    tracks.extend(f.tracks.into_iter().map(|t| (fi, t)));
                }
            }
            Kind::Role => {
                if let Some(f) = typed!(RoleFile) {
                    role = Some((fi, f.role));
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
    if let Some((file, g)) = &guide {
        check_guide(*file, g, &mut pending);
    }
    if let Some((file, r)) = &role {
        check_role(*file, r, &mut pending);
    }
    let mut warned = Vec::new();
    for (file, p) in &paths {
        check_look_back(*file, p, &mut pending, &mut warned);
    }

    let place = |p: Pending| {
        let src = &sources[p.file];
        let at = docs[p.file].as_ref().and_then(|d| locate::locate(d, &p.path)).map(|r| r.start).unwrap_or(0);
        let key = locate::display(&p.path);
        let message = if key.is_empty() { p.message } else { format!("{key}: {}", p.message) };
        src.problem_at(at, message)
    };
    problems.extend(pending.into_iter().map(place));
    let mut warnings: Vec<Problem> = warned.into_iter().map(place).collect();
    warnings.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));

    let path_sources = paths.iter().map(|(fi, _)| sources[*fi].name.clone()).collect();
    let curriculum = Curriculum {
        resources: resources.into_iter().map(|(_, r)| r).collect(),
        tracks: tracks.into_iter().map(|(_, t)| t).collect(),
        paths: paths.into_iter().map(|(_, p)| p).collect(),
        path_sources,
        role: role.map(|(_, r)| r),
        guide: guide.map(|(_, g)| g),
        warnings,
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
        "look_back",
        "closes",
        "guide",
        "why",
        "decide",
        "t_shaped",
        "timeline",
        "when",
        "what",
        "plan",
        "steps",
        "next_steps",
        "career",
        "pay",
        "pay_notes",
        "requirements",
        "progression",
        "market",
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
            for (b, later) in w.questions.iter().enumerate() {
                if let Some(a) = (0..b).find(|a| near_duplicate(&w.questions[*a], later)) {
                    let mut pth = at("questions");
                    pth.push(I(b));
                    push(
                        out,
                        file,
                        pth,
                        format!(
                            "question {} nearly repeats question {} of this week: ask something else",
                            b + 1,
                            a + 1
                        ),
                    );
                }
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

/// Words that carry no topic: skipped when comparing questions or matching topics.
const STOP_WORDS: &[&str] = &[
    "about", "after", "also", "and", "any", "are", "because", "before", "being", "between", "but", "can", "could",
    "did", "does", "each", "every", "for", "from", "had", "has", "have", "how", "into", "its", "just", "like", "make",
    "more", "most", "much", "not", "one", "only", "other", "our", "out", "over", "same", "say", "should", "show", "so",
    "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "too", "two", "use", "used", "using", "was", "way", "were", "what", "when", "where", "whether", "which",
    "while", "who", "why", "will", "with", "without", "would", "you", "your", "myself", "explain", "know", "tell",
    "give", "get", "still", "first", "three", "four", "own",
];

/// The words of `text` that can name a topic: lower case, at least three letters, no stop
/// word, a plural's `s` dropped ("queues" and "queue" are one word).
pub(crate) fn content_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| {
            if let Some(stem) = w.strip_suffix("ing").filter(|s| s.len() >= 4) {
                return stem.to_string();
            }
            match w.strip_suffix('s') {
                Some(stem) if w.len() > 4 && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") => {
                    stem.to_string()
                }
                _ => w,
            }
        })
        .collect()
}

/// Whether two questions ask nearly the same thing: most of the shorter one's topic words
/// are in the other (at least 4 shared, and 60% of the shorter), or the texts differ in a
/// few characters only.
pub fn near_duplicate(a: &str, b: &str) -> bool {
    let (la, lb) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    if la == lb {
        // Exact repeats are reported on their own ("question repeats one from week N").
        return false;
    }
    if strsim::normalized_levenshtein(&la, &lb) >= 0.8 {
        return true;
    }
    let wa: HashSet<String> = content_words(a).into_iter().collect();
    let wb: HashSet<String> = content_words(b).into_iter().collect();
    let shared = wa.intersection(&wb).count();
    let shorter = wa.len().min(wb.len());
    shorter > 0 && shared >= 4 && shared * 10 >= shorter * 6
}

/// A path's look-back blocks: each closes a block of [`REVIEW_EVERY`] weeks of the path,
/// once, with 1 to 5 questions that do not nearly repeat each other (errors); a question
/// that names a topic of the path which none of the weeks it closes covers is a warning.
fn check_look_back(file: usize, p: &PathFile, out: &mut Vec<Pending>, warn: &mut Vec<Pending>) {
    use Seg::{Index as I, Key as K};
    let last = p.weeks.iter().map(|w| w.number).max().unwrap_or(0);
    // A week's words: all its text.
    let text_of = |w: &Week| {
        let mut text = vec![w.title.clone(), w.summary.clone()];
        text.extend(w.topics.iter().flat_map(|t| [t.name.clone(), t.summary.clone()]));
        text.extend(w.questions.iter().cloned());
        text.extend(w.exercises.iter().cloned());
        text.extend(w.project.iter().cloned());
        text.iter().flat_map(|t| content_words(t)).collect::<HashSet<String>>()
    };
    let words: Vec<(u32, HashSet<String>)> = p.weeks.iter().map(|w| (w.number, text_of(w))).collect();
    // Topic words: named by a week's title or topic, and distinctive (in the text of only a
    // few weeks: "cap" is, "read" is not).
    let distinctive = (p.weeks.len() / 6).max(2);
    let mut named: HashMap<String, Vec<u32>> = HashMap::new();
    for w in &p.weeks {
        let mut names: Vec<String> = content_words(&w.title);
        for t in &w.topics {
            names.extend(content_words(&t.name));
        }
        for word in names {
            let weeks = words.iter().filter(|(_, ws)| ws.contains(&word)).map(|(n, _)| *n).collect();
            named.entry(word).or_insert(weeks);
        }
    }
    named.retain(|_, weeks| weeks.len() <= distinctive);
    let mut seen = HashSet::new();
    for (bi, block) in p.look_back.iter().enumerate() {
        let at = |k: &'static str| vec![K("look_back"), I(bi), K(k)];
        if block.closes == 0 || !block.closes.is_multiple_of(REVIEW_EVERY) || block.closes > last {
            out.push(Pending {
                file,
                path: at("closes"),
                message: format!(
                    "week {} does not close a block of {REVIEW_EVERY} weeks of this path (4, 8, ... up to {last})",
                    block.closes
                ),
            });
            continue;
        }
        if !seen.insert(block.closes) {
            out.push(Pending {
                file,
                path: at("closes"),
                message: format!("week {} has two look-backs", block.closes),
            });
        }
        if block.questions.is_empty() || block.questions.len() > QUESTIONS.1 {
            out.push(Pending {
                file,
                path: at("questions"),
                message: format!("{} look-back questions, needs 1 to {}", block.questions.len(), QUESTIONS.1),
            });
        }
        for (b, later) in block.questions.iter().enumerate() {
            if let Some(a) = (0..b).find(|a| near_duplicate(&block.questions[*a], later)) {
                let mut path = at("questions");
                path.push(I(b));
                out.push(Pending {
                    file,
                    path,
                    message: format!("question {} nearly repeats question {} of this look-back", b + 1, a + 1),
                });
            }
        }
        // What the closed weeks cover: all their text.
        let (first, closes) = block.weeks();
        let covered: HashSet<&String> =
            words.iter().filter(|(n, _)| (first..=closes).contains(n)).flat_map(|(_, ws)| ws).collect();
        for (qi, q) in block.questions.iter().enumerate() {
            let mut outside: Vec<String> = Vec::new();
            for word in content_words(q) {
                let Some(weeks) = named.get(&word) else { continue };
                if !covered.contains(&word) && !outside.iter().any(|o| o.starts_with(&format!("`{word}`"))) {
                    let list: Vec<String> = weeks.iter().map(u32::to_string).collect();
                    outside.push(format!("`{word}` (week {})", list.join(", ")));
                }
            }
            if !outside.is_empty() {
                let mut path = at("questions");
                path.push(I(qi));
                warn.push(Pending {
                    file,
                    path,
                    message: format!(
                        "this look-back closes weeks {first} to {closes} but asks about {}, not taught in them",
                        outside.join(", ")
                    ),
                });
            }
        }
    }
}

/// The track guide: every list has something in it.
fn check_guide(file: usize, g: &TrackGuide, out: &mut Vec<Pending>) {
    use Seg::{Index as I, Key as K};
    for (key, len) in [
        ("why", g.why.len()),
        ("decide", g.decide.len()),
        ("t_shaped", g.t_shaped.len()),
        ("timeline", g.timeline.len()),
        ("plan", g.plan.len()),
        ("next_steps", g.next_steps.len()),
    ] {
        if len == 0 {
            out.push(Pending { file, path: vec![K("guide"), K(key)], message: "must list at least one entry".into() });
        }
    }
    for (i, stage) in g.plan.iter().enumerate() {
        if stage.steps.is_empty() {
            out.push(Pending {
                file,
                path: vec![K("guide"), K("plan"), I(i), K("steps")],
                message: "must list at least one entry".into(),
            });
        }
        if stage.hours == Some(0) {
            out.push(Pending {
                file,
                path: vec![K("guide"), K("plan"), I(i), K("hours")],
                message: "0 hours: leave it out when the stage has no figure".into(),
            });
        }
    }
}

/// The role's career page: every list has something in it.
fn check_role(file: usize, r: &Role, out: &mut Vec<Pending>) {
    use Seg::Key as K;
    let Some(c) = &r.career else { return };
    for (key, len) in [
        ("pay", c.pay.len()),
        ("pay_notes", c.pay_notes.len()),
        ("requirements", c.requirements.len()),
        ("progression", c.progression.len()),
        ("market", c.market.len()),
    ] {
        if len == 0 {
            out.push(Pending {
                file,
                path: vec![K("role"), K("career"), K(key)],
                message: "must list at least one entry".into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_by_hand() {
        // Week 35's former pair: the same runbook question asked twice.
        assert!(near_duplicate(
            "Can I write a runbook that someone new to the service could follow in the middle of the night?",
            "Can I describe what a runbook entry needs so that someone new to the service can follow it during an \
             incident?",
        ));
        // A reworded copy.
        assert!(near_duplicate("Can I explain what a WAL is for?", "Could I explain what a WAL is for?"));
        // The same topic, another question.
        assert!(!near_duplicate(
            "Can I explain how a token bucket allows short bursts while still enforcing an average rate?",
            "Can I explain what a sliding window limiter fixes compared with a fixed window counter?",
        ));
        // Exact repeats are another check's.
        assert!(!near_duplicate("Same?", "same?"));
    }

    #[test]
    fn content_words_drop_stop_words_and_plurals() {
        assert_eq!(content_words("How do queues and caching work?"), ["queue", "cach", "work"]);
        assert_eq!(content_words("CAP, the process"), ["cap", "process"]);
    }
}
