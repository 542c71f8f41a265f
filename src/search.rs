//! Full-text search over the curriculum: weeks, topics, questions, tracks and resources.
//!
//! Pure and in-memory; the curriculum is small, so a linear scan with a simple relevance
//! score is well under a millisecond.

use crate::curriculum::{Curriculum, ResourceKind};

/// What a search hit points at.
#[derive(Debug, Clone, PartialEq)]
pub enum HitKind {
    Week {
        path: String,
        week: u32,
    },
    Topic {
        path: String,
        week: u32,
    },
    Question {
        path: String,
        week: u32,
    },
    Track {
        id: String,
    },
    Resource {
        id: String,
        kind: ResourceKind,
    },
    /// A line of the role overview (`/role`): a skill, a best practice, a challenge, pay,
    /// requirements, progression or the market.
    Role,
    /// A line of the guide to choosing a track (`/tracks`).
    Guide,
}

impl HitKind {
    fn week(path: String, week: u32) -> Self {
        HitKind::Week { path, week }
    }
    fn topic(path: String, week: u32) -> Self {
        HitKind::Topic { path, week }
    }
    fn question(path: String, week: u32) -> Self {
        HitKind::Question { path, week }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: HitKind,
    /// One line to show: what matched.
    pub label: String,
    /// Where it lives, e.g. "architecture week 4".
    pub context: String,
    pub score: f64,
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
}

/// Relevance of `text` for the query terms: every term must occur (as a word prefix or a
/// close fuzzy match); whole-phrase and title matches rank higher.
fn score(query: &str, terms: &[String], text: &str, weight: f64) -> Option<f64> {
    let text_words = words(text);
    if text_words.is_empty() || terms.is_empty() {
        return None;
    }
    let mut total = 0.0;
    for t in terms {
        let best = text_words
            .iter()
            .map(|w| {
                if w == t {
                    1.0
                } else if w.starts_with(t.as_str()) && t.len() >= 2 {
                    0.8
                } else if t.len() >= 4 {
                    let s = strsim::jaro_winkler(w, t);
                    if s >= 0.9 { s * 0.6 } else { 0.0 }
                } else {
                    0.0
                }
            })
            .fold(0.0, f64::max);
        if best == 0.0 {
            return None;
        }
        total += best;
    }
    let mut s = total / terms.len() as f64;
    if text.to_lowercase().contains(&query.to_lowercase()) && terms.len() > 1 {
        s += 0.5;
    }
    // Shorter texts where the terms are a larger share rank higher.
    s += 0.2 * (terms.len() as f64 / text_words.len() as f64).min(1.0);
    Some(s * weight)
}

/// Searches everything; best matches first, at most `limit` hits.
pub fn search(c: &Curriculum, query: &str, limit: usize) -> Vec<Hit> {
    let terms = words(query);
    let mut hits = Vec::new();
    // One hit per item: the best of its fields, each field weighted (titles over bodies).
    let mut add = |kind: HitKind, label: String, context: String, fields: &[(&str, f64)]| {
        let best = fields.iter().filter_map(|(text, weight)| score(query, &terms, text, *weight)).reduce(f64::max);
        if let Some(score) = best {
            hits.push(Hit { kind, label, context, score });
        }
    };
    for p in &c.paths {
        let pid = &p.path.id;
        for w in &p.weeks {
            let ctx = format!("{} week {}", p.path.name, w.number);
            let week = |kind: fn(String, u32) -> HitKind| kind(pid.clone(), w.number);
            add(week(HitKind::week), w.title.clone(), ctx.clone(), &[(&w.title, 1.5), (&w.summary, 0.6)]);
            for t in &w.topics {
                let label = format!("{}: {}", t.name, t.summary);
                add(week(HitKind::topic), label, ctx.clone(), &[(&t.name, 1.4), (&t.summary, 0.8)]);
            }
            for q in &w.questions {
                add(week(HitKind::question), q.clone(), ctx.clone(), &[(q, 0.7)]);
            }
        }
    }
    for t in &c.tracks {
        let techs: Vec<String> = t.technologies.iter().flat_map(|a| a.items.clone()).collect();
        let body = format!("{} {} {}", t.summary, t.what_you_do.join(" "), techs.join(" "));
        add(HitKind::Track { id: t.id.clone() }, t.name.clone(), "track".into(), &[(&t.name, 1.5), (&body, 0.7)]);
    }
    for r in &c.resources {
        let kind = HitKind::Resource { id: r.id.clone(), kind: r.kind };
        let label = match &r.by {
            Some(by) => format!("{} by {by}", r.title),
            None => r.title.clone(),
        };
        let body = format!("{} {}", r.by.as_deref().unwrap_or_default(), r.summary);
        add(kind, label, r.kind.as_str().into(), &[(&r.title, 1.3), (&body, 0.6)]);
    }
    if let Some(role) = &c.role {
        for skill in &role.skills {
            add(HitKind::Role, skill.clone(), "role overview: skills".into(), &[(skill, 0.9)]);
        }
        for (section, list) in [("best practices", &role.best_practices), ("challenges", &role.challenges)] {
            for a in list {
                let label = format!("{}: {}", a.area, a.points.join(" "));
                let body = a.points.join(" ");
                add(HitKind::Role, label, format!("role overview: {section}"), &[(&a.area, 1.2), (&body, 0.7)]);
            }
        }
    }
    if let Some(g) = &c.guide {
        let mut lines: Vec<(&str, String)> = vec![("why specialize", g.summary.clone())];
        lines.extend(g.why.iter().map(|l| ("why specialize", l.clone())));
        lines.extend(g.decide.iter().map(|l| ("how to decide", l.clone())));
        lines.extend(g.t_shaped.iter().map(|l| ("T-shaped skills", l.clone())));
        lines.extend(g.timeline.iter().map(|s| ("career timeline", format!("{}: {}", s.when, s.what))));
        for stage in &g.plan {
            lines.extend(stage.steps.iter().map(|l| ("action plan", format!("{} ({}): {l}", stage.title, stage.when))));
        }
        lines.extend(g.next_steps.iter().map(|l| ("next steps", l.clone())));
        for (section, line) in lines {
            let with_section = format!("{section}: {line}");
            add(
                HitKind::Guide,
                line.clone(),
                format!("choosing a track: {section}"),
                &[(&line, 0.8), (&with_section, 0.7)],
            );
        }
    }
    if let Some(career) = c.role.as_ref().and_then(|r| r.career.as_ref()) {
        let mut lines: Vec<(&str, String)> =
            career.pay.iter().map(|l| ("pay", format!("{}: {}", l.title, l.range))).collect();
        lines.extend(career.pay_notes.iter().map(|l| ("pay", l.clone())));
        lines.extend(career.requirements.iter().map(|l| ("requirements", l.clone())));
        lines.extend(career.progression.iter().map(|l| ("progression", l.clone())));
        lines.extend(career.market.iter().map(|l| ("the market", l.clone())));
        for (section, line) in lines {
            let with_section = format!("{section}: {line}");
            add(
                HitKind::Role,
                line.clone(),
                format!("role overview: {section}"),
                &[(&line, 0.8), (&with_section, 0.7)],
            );
        }
    }
    // Keep the best hit per (kind, label), best first.
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.label.cmp(&b.label)));
    let mut seen = std::collections::HashSet::new();
    hits.retain(|h| seen.insert((format!("{:?}", h.kind), h.label.clone())));
    hits.truncate(limit);
    hits
}

/// Best fuzzy matches of `input` among `candidates` (for "did you mean" replies).
pub fn did_you_mean<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let input = input.trim().to_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| {
            let lc = c.to_lowercase();
            let s = if lc.contains(&input) && !input.is_empty() { 0.95 } else { strsim::jaro_winkler(&lc, &input) };
            (s, c)
        })
        .filter(|(s, _)| *s >= 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}
