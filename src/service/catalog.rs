//! The curriculum as members browse it: tracks, resources and search, with the rules for
//! what a typed name means and when nothing matches. Pure: reads the loaded curriculum only.

use crate::curriculum::{Curriculum, Resource, ResourceKind, Track};
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

#[cfg(test)]
mod tests {
    use super::*;

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
