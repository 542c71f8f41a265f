//! The curriculum: loading the TOML data files, validating them, and looking things up.
//!
//! Pure code: no Discord, no database. `load_dir` either returns a fully validated
//! [`Curriculum`] or every problem found, each with a `FILE:LINE:COL` position.

pub(crate) mod locate;
pub(crate) mod model;
mod validate;

pub use model::*;
pub use validate::near_duplicate;

use include_dir::{Dir, include_dir};
use locate::{KeyPath, line_col};
use std::fmt;
use std::path::{Path, PathBuf};

/// The curriculum shipped inside the binary, used when no directory is configured.
static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/curriculum");

/// One problem in the curriculum files, printed as `FILE:LINE:COL: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file.display(), self.line, self.col, self.message)
    }
}

/// All problems of a failed load, one per line.
#[derive(Debug, Clone)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// A validated curriculum.
#[derive(Debug, Clone)]
pub struct Curriculum {
    pub resources: Vec<Resource>,
    pub tracks: Vec<Track>,
    pub paths: Vec<PathFile>,
    /// The file each path was read from (`paths/<id>.toml`), in the order of `paths`.
    pub path_sources: Vec<PathBuf>,
    pub role: Option<Role>,
    /// How to choose a track (`tracks.toml`'s `[guide]`), shown by `/tracks`.
    pub guide: Option<TrackGuide>,
    /// What `studybot check` warns about without refusing the curriculum (look-back
    /// questions about weeks they do not close).
    pub warnings: Vec<Problem>,
}

impl Curriculum {
    /// Loads and validates the curriculum in `dir` (`resources.toml`, `tracks.toml`,
    /// optional `role.toml`, and `paths/*.toml`).
    pub fn load_dir(dir: &Path) -> Result<Curriculum, Problems> {
        let mut sources = Vec::new();
        let mut problems = Vec::new();
        let mut names: Vec<PathBuf> =
            ["resources.toml", "tracks.toml", "role.toml"].iter().map(|n| dir.join(n)).collect();
        let paths_dir = dir.join("paths");
        match std::fs::read_dir(&paths_dir) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                found.sort();
                names.extend(found);
            }
            Err(e) => problems.push(Problem {
                file: paths_dir.clone(),
                line: 1,
                col: 1,
                message: format!("cannot read the paths directory: {e}"),
            }),
        }
        for name in names {
            match std::fs::read_to_string(&name) {
                Ok(text) => sources.push(Source { name, text }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && name.ends_with("role.toml") => {}
                Err(e) => {
                    problems.push(Problem { file: name, line: 1, col: 1, message: format!("cannot read file: {e}") })
                }
            }
        }
        let result = Self::from_sources(sources);
        match (result, problems.is_empty()) {
            (Ok(c), true) => Ok(c),
            (Ok(_), false) => Err(Problems(problems)),
            (Err(Problems(mut more)), _) => {
                problems.append(&mut more);
                Err(Problems(problems))
            }
        }
    }

    /// The curriculum compiled into the binary (a copy of `curriculum/` at build time).
    pub fn embedded() -> Result<Curriculum, Problems> {
        let mut sources = Vec::new();
        for name in ["resources.toml", "tracks.toml", "role.toml"] {
            if let Some(text) = EMBEDDED.get_file(name).and_then(|f| f.contents_utf8()) {
                sources.push(Source { name: PathBuf::from("curriculum").join(name), text: text.to_string() });
            }
        }
        if let Some(dir) = EMBEDDED.get_dir("paths") {
            let mut files: Vec<_> = dir.files().filter(|f| f.path().extension().is_some_and(|x| x == "toml")).collect();
            files.sort_by_key(|f| f.path());
            for f in files {
                if let Some(text) = f.contents_utf8() {
                    sources.push(Source { name: PathBuf::from("curriculum").join(f.path()), text: text.to_string() });
                }
            }
        }
        Self::from_sources(sources)
    }

    /// Parses and validates in-memory sources. The file kind comes from its name:
    /// `resources.toml`, `tracks.toml`, `role.toml`, anything else is a path file.
    pub fn from_sources(sources: Vec<Source>) -> Result<Curriculum, Problems> {
        validate::load(sources)
    }

    pub fn path(&self, id: &str) -> Option<&PathFile> {
        self.paths.iter().find(|p| p.path.id == id)
    }

    /// Paths whose id or name contains `partial` (case-insensitive), for autocomplete.
    pub fn paths_matching(&self, partial: &str) -> impl Iterator<Item = &PathFile> {
        let partial = partial.to_lowercase();
        self.paths.iter().filter(move |p| p.path.id.contains(&partial) || p.path.name.to_lowercase().contains(&partial))
    }

    pub fn track(&self, id: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.id == id)
    }

    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// The week with number `n` of path `path_id`.
    pub fn week(&self, path_id: &str, n: u32) -> Option<&Week> {
        self.path(path_id)?.weeks.iter().find(|w| w.number == n)
    }

    /// One-line summary printed by `studybot check`.
    pub fn summary(&self) -> String {
        let weeks: usize = self.paths.iter().map(|p| p.weeks.len()).sum();
        let per_path: Vec<String> = self.paths.iter().map(|p| format!("{} {}", p.path.id, p.weeks.len())).collect();
        format!(
            "curriculum OK: {} paths ({} weeks: {}), {} tracks, {} resources",
            self.paths.len(),
            weeks,
            per_path.join(", "),
            self.tracks.len(),
            self.resources.len()
        )
    }
}

impl PathFile {
    pub fn phase(&self, number: u32) -> Option<&Phase> {
        self.phases.iter().find(|p| p.number == number)
    }

    pub fn week(&self, number: u32) -> Option<&Week> {
        self.weeks.iter().find(|w| w.number == number)
    }

    /// Number of weeks in the path (weeks are contiguous from 1, checked at load).
    pub fn len_weeks(&self) -> u32 {
        self.weeks.len() as u32
    }
}

/// The text of one curriculum file and the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: PathBuf,
    pub text: String,
}

impl Source {
    fn problem_at(&self, offset: usize, message: impl Into<String>) -> Problem {
        let (line, col) = line_col(&self.text, offset);
        Problem { file: self.name.clone(), line, col, message: message.into() }
    }
}

/// A semantic problem before it is given a position.
#[derive(Debug)]
struct Pending {
    file: usize,
    path: KeyPath,
    message: String,
}
