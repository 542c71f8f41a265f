//! The curriculum as members browse it: tracks, resources and search, with the rules for
//! what a typed name means and when nothing matches. Pure: reads the loaded curriculum only.

use crate::curriculum::{Curriculum, PathFile, Phase, Resource, ResourceKind, Track, Week};
use crate::error::{Result, UserError};
use crate::search::{self, Hit};

/// How many search hits a member sees.
pub const SEARCH_HITS: usize = 10;

/// Tracks whose id or name contains `partial` (all of them for an empty one), for autocomplete.
pub fn tracks_matching<'a>(c: &'a Curriculum, partial: &str) -> impl Iterator<Item = &'a Track> {
    let partial = partial.to_lowercase();
    c.tracks.iter().filter(move |t| t.name.to_lowercase().contains(&partial) || t.id.contains(&partial))
}

/// The track a member means: its id (autocomplete value) or its name in any case. Otherwise
/// an error with close names and the full list.
pub fn track<'a>(c: &'a Curriculum, typed: &str) -> Result<&'a Track> {
    let n = typed.trim().to_lowercase();
    if let Some(t) = c.tracks.iter().find(|t| t.id == n || t.name.to_lowercase() == n) {
        return Ok(t);
    }
    let names: Vec<&str> = c.tracks.iter().map(|t| t.name.as_str()).collect();
    let suggestions = search::did_you_mean(typed, names.iter().copied()).into_iter().map(str::to_string).collect();
    let all = names.iter().map(|n| n.to_string()).collect();
    Err(UserError::UnknownTrack { typed: typed.chars().take(100).collect(), suggestions, all }.into())
}

/// Resources to list, with the list's title.
pub struct ResourceList<'a> {
    pub title: String,
    pub resources: Vec<&'a Resource>,
}

/// All resources, or a track's recommendations, optionally of one kind; an error when the
/// filters leave nothing.
pub fn resources<'a>(c: &'a Curriculum, track: Option<&str>, kind: Option<ResourceKind>) -> Result<ResourceList<'a>> {
    let (title, mut resources): (String, Vec<&Resource>) = match track {
        Some(name) => {
            let t = self::track(c, name)?;
            (format!("Resources for {}", t.name), t.resources.iter().filter_map(|id| c.resource(id)).collect())
        }
        None => ("Resources".to_string(), c.resources.iter().collect()),
    };
    if let Some(k) = kind {
        resources.retain(|r| r.kind == k);
    }
    if resources.is_empty() {
        let what = kind.map(|k| k.heading().to_lowercase()).unwrap_or_else(|| "resources".into());
        return Err(UserError::NoResourcesMatch(what).into());
    }
    Ok(ResourceList { title, resources })
}

/// Searches the curriculum; a query under two characters or one with no hit is refused.
pub fn search(c: &Curriculum, query: &str) -> Result<Vec<Hit>> {
    if query.trim().chars().count() < 2 {
        return Err(UserError::SearchTooShort.into());
    }
    let hits = search::search(c, query, SEARCH_HITS);
    if hits.is_empty() {
        return Err(UserError::NothingMatches(query.chars().take(100).collect()).into());
    }
    Ok(hits)
}

/// The path a member means: its id (autocomplete value) or its name in any case; the first
/// path when none is named. Returns its position in the curriculum too.
pub fn path<'a>(c: &'a Curriculum, typed: Option<&str>) -> Result<(usize, &'a PathFile)> {
    let Some(typed) = typed.map(str::trim).filter(|t| !t.is_empty()) else {
        return c.paths.first().map(|p| (0, p)).ok_or_else(|| no_such_path(c, ""));
    };
    let n = typed.to_lowercase();
    c.paths
        .iter()
        .enumerate()
        .find(|(_, p)| p.path.id == n || p.path.name.to_lowercase() == n)
        .ok_or_else(|| no_such_path(c, typed))
}

fn no_such_path(c: &Curriculum, typed: &str) -> crate::error::Error {
    let known = c.paths.iter().map(|p| format!("{} (`{}`)", p.path.name, p.path.id)).collect();
    UserError::UnknownPath { typed: typed.chars().take(100).collect(), known }.into()
}

/// Paths whose id or name contains `partial`, for autocomplete.
pub fn paths_matching<'a>(c: &'a Curriculum, partial: &str) -> impl Iterator<Item = &'a PathFile> {
    let partial = partial.to_lowercase();
    c.paths.iter().filter(move |p| p.path.name.to_lowercase().contains(&partial) || p.path.id.contains(&partial))
}

/// The role overview (`/role`).
pub fn role(c: &Curriculum) -> Result<&crate::curriculum::Role> {
    c.role.as_ref().ok_or_else(|| UserError::NoRoleOverview.into())
}

/// What a `/search` result opens: a week of a path, or a track.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Opened {
    Week { path: usize, week: u32 },
    Track(String),
}

impl Opened {
    /// The value a result carries in the "open" menu (at most 100 characters).
    pub fn encode(&self) -> String {
        match self {
            Opened::Week { path, week } => format!("w:{path}:{week}"),
            Opened::Track(id) => format!("t:{id}"),
        }
    }

    /// Parses a menu value strictly.
    pub fn parse(s: &str) -> Option<Opened> {
        match s.split(':').collect::<Vec<_>>().as_slice() {
            ["w", p, w] => Some(Opened::Week { path: p.parse().ok()?, week: w.parse().ok().filter(|w| *w >= 1)? }),
            ["t", id] if !id.is_empty() => Some(Opened::Track(id.to_string())),
            _ => None,
        }
    }

    /// What a search hit opens (resources show their link in the results already).
    pub fn of_hit(c: &Curriculum, hit: &Hit) -> Option<Opened> {
        use crate::search::HitKind as K;
        match &hit.kind {
            K::Week { path, week } | K::Topic { path, week } | K::Question { path, week } => {
                let index = c.paths.iter().position(|p| &p.path.id == path)?;
                Some(Opened::Week { path: index, week: *week })
            }
            K::Track { id } => Some(Opened::Track(id.clone())),
            K::Resource { .. } | K::Role | K::Guide => None,
        }
    }
}

/// One page of `/syllabus`: a phase of a path with its weeks.
pub struct SyllabusPage<'a> {
    /// Position of the path in the curriculum (what the page's buttons carry).
    pub path_index: usize,
    pub path: &'a PathFile,
    pub phase: &'a Phase,
    pub weeks: Vec<&'a Week>,
}

/// The page of phase `phase` (default 1) of the path at `path_index`.
pub fn syllabus_page(c: &Curriculum, path_index: usize, phase: Option<u32>) -> Result<SyllabusPage<'_>> {
    let path = c.paths.get(path_index).ok_or_else(|| no_such_path(c, &path_index.to_string()))?;
    let number = phase.unwrap_or(1);
    let phase = path.phases.iter().find(|p| p.number == number).ok_or_else(|| UserError::UnknownPhase {
        path: path.path.name.clone(),
        phases: path.phases.len() as u32,
        phase: number,
    })?;
    let weeks = path.weeks.iter().filter(|w| w.phase == phase.number).collect();
    Ok(SyllabusPage { path_index, path, phase, weeks })
}

/// Week `number` of a path, for `/week path:` and the syllabus.
pub fn path_week(path: &PathFile, number: u32) -> Result<&Week> {
    path.week(number).ok_or_else(|| {
        UserError::UnknownWeek { path: path.path.name.clone(), weeks: path.len_weeks(), week: number }.into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_menu_values_round_trip_and_garbage_is_refused() {
        for o in [Opened::Week { path: 1, week: 36 }, Opened::Track("data-platform".into())] {
            assert_eq!(Opened::parse(&o.encode()), Some(o.clone()));
            assert!(o.encode().len() <= 100);
        }
        for bad in ["", "w:1", "w:x:1", "w:1:0", "t:", "x:1:1", "w:1:2:3"] {
            assert_eq!(Opened::parse(bad), None, "{bad}");
        }
    }

    fn c() -> Curriculum {
        Curriculum::embedded().expect("the embedded curriculum loads")
    }

    #[test]
    fn a_track_is_found_by_id_or_any_case_name_and_a_typo_gets_suggestions() {
        let c = c();
        let first = &c.tracks[0];
        assert_eq!(track(&c, &first.id).map(|t| &t.id).ok(), Some(&first.id));
        assert_eq!(track(&c, &first.name.to_uppercase()).map(|t| &t.id).ok(), Some(&first.id));
        let typo: String = first.name.chars().take(first.name.chars().count() - 1).collect();
        match track(&c, &format!("{typo}x")) {
            Err(crate::error::Error::User(e)) => match *e {
                UserError::UnknownTrack { suggestions, all, .. } => {
                    assert!(suggestions.contains(&first.name), "{suggestions:?}");
                    assert_eq!(all.len(), c.tracks.len());
                }
                other => panic!("unexpected {other:?}"),
            },
            other => panic!("unexpected {:?}", other.map(|t| &t.id)),
        }
    }

    #[test]
    fn resource_filters_that_leave_nothing_are_refused_and_others_keep_their_kind() {
        let c = c();
        let books = resources(&c, None, Some(ResourceKind::Book)).map(|l| l.resources).unwrap_or_default();
        assert!(!books.is_empty() && books.iter().all(|r| r.kind == ResourceKind::Book));
        let t = &c.tracks[0];
        let missing = ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| !t.resources.iter().filter_map(|id| c.resource(id)).any(|r| r.kind == *k));
        if let Some(k) = missing {
            assert!(matches!(
                resources(&c, Some(&t.id), Some(k)),
                Err(crate::error::Error::User(e)) if matches!(*e, UserError::NoResourcesMatch(_))
            ));
        }
    }

    #[test]
    fn search_refuses_one_letter_and_reports_no_hits() {
        let c = c();
        assert!(
            matches!(search(&c, " a "), Err(crate::error::Error::User(e)) if matches!(*e, UserError::SearchTooShort))
        );
        assert!(
            matches!(search(&c, "zzqqxx"), Err(crate::error::Error::User(e)) if matches!(*e, UserError::NothingMatches(_)))
        );
        assert!(!search(&c, "consensus").map(|h| h.is_empty()).unwrap_or(true));
    }
}
