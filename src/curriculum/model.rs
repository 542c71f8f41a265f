//! The curriculum as plain data: what the TOML files in `curriculum/` deserialize into.
//!
//! Every struct denies unknown keys so a typo in a data file is an error, not a silent no-op.

use serde::{Deserialize, Serialize};

/// `curriculum/resources.toml`: shared books, papers, courses... referenced by id.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcesFile {
    #[serde(default)]
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Book,
    Course,
    Community,
    Paper,
    Online,
    Tool,
    Conference,
    Certification,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 8] = [
        ResourceKind::Book,
        ResourceKind::Course,
        ResourceKind::Community,
        ResourceKind::Paper,
        ResourceKind::Online,
        ResourceKind::Tool,
        ResourceKind::Conference,
        ResourceKind::Certification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Book => "book",
            ResourceKind::Course => "course",
            ResourceKind::Community => "community",
            ResourceKind::Paper => "paper",
            ResourceKind::Online => "online",
            ResourceKind::Tool => "tool",
            ResourceKind::Conference => "conference",
            ResourceKind::Certification => "certification",
        }
    }

    /// Plural heading used when listing resources of this kind.
    pub fn heading(self) -> &'static str {
        match self {
            ResourceKind::Book => "Books",
            ResourceKind::Course => "Courses",
            ResourceKind::Community => "Communities",
            ResourceKind::Paper => "Papers",
            ResourceKind::Online => "Online resources",
            ResourceKind::Tool => "Tools",
            ResourceKind::Conference => "Conferences",
            ResourceKind::Certification => "Certifications",
        }
    }

    pub fn parse(s: &str) -> Option<ResourceKind> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_suffix('s').unwrap_or(&s);
        let s = if s == "communitie" { "community" } else { s };
        ResourceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    pub id: String,
    pub kind: ResourceKind,
    pub title: String,
    /// Author(s), publisher or organiser.
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// One line on why it is worth the time.
    pub summary: String,
}

/// `curriculum/tracks.toml`: the specialization tracks.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TracksFile {
    /// How to choose a track (shown by `/tracks` before the list).
    #[serde(default)]
    pub guide: Option<TrackGuide>,
    #[serde(default)]
    pub tracks: Vec<Track>,
}

/// Guidance on choosing and growing into a specialization (seed 000, in our own words).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrackGuide {
    /// One paragraph: why specialize at all.
    pub summary: String,
    /// Reasons to specialize, with the seed's figures.
    pub why: Vec<String>,
    /// The decision framework: the questions to weigh.
    pub decide: Vec<String>,
    /// Deep in one track, broad across the field.
    pub t_shaped: Vec<String>,
    /// The career timeline: where one is when.
    pub timeline: Vec<Stage>,
    /// The action plan, stage by stage (the 20-hour start, the 100-hour deep dive, ...).
    pub plan: Vec<PlanStage>,
    pub next_steps: Vec<String>,
}

/// One step of a timeline: when, and what happens then.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub when: String,
    pub what: String,
}

/// One stage of the action plan.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStage {
    pub when: String,
    pub title: String,
    /// Hours of specialization study this stage asks for, when the seed gives them.
    #[serde(default)]
    pub hours: Option<u32>,
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Track {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub compensation: String,
    pub demand: String,
    pub growth: String,
    pub companies: Vec<String>,
    pub what_you_do: Vec<String>,
    pub technologies: Vec<TechArea>,
    /// Which parts of the general foundation this track builds on.
    pub foundation: Vec<String>,
    /// Total additional learning hours; must equal the sum of `learning[].hours`.
    pub learning_hours: u32,
    pub learning: Vec<LearningArea>,
    pub projects: Vec<String>,
    pub levels: Vec<CareerLevel>,
    pub interview_focus: Vec<String>,
    pub best_for: String,
    pub avoid_if: String,
    /// Resource ids (books, courses, communities, papers) from `resources.toml`.
    pub resources: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TechArea {
    pub area: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LearningArea {
    pub area: String,
    pub hours: u32,
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CareerLevel {
    pub title: String,
    pub range: String,
}

/// `curriculum/paths/<id>.toml`: one learning path.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathFile {
    pub path: PathInfo,
    pub phases: Vec<Phase>,
    pub weeks: Vec<Week>,
    /// Optional end-of-path skills checklist.
    #[serde(default)]
    pub assessment: Vec<SkillArea>,
    /// Optional look-back questions, one block per [`REVIEW_EVERY`] weeks.
    #[serde(default)]
    pub look_back: Vec<LookBack>,
}

/// A path's monthly look-back comes every this many weeks.
pub const REVIEW_EVERY: u32 = 4;

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PathInfo {
    pub id: String,
    pub name: String,
    pub summary: String,
    /// Who the path is for, e.g. "engineers with 5+ years of experience".
    pub audience: String,
    /// Suggested hours of study per week, e.g. "10-15", when the path's seed gives them.
    #[serde(default)]
    pub weekly_hours: Option<String>,
}

/// The questions that look back over a block of [`REVIEW_EVERY`] weeks (the practice
/// cycle: theory, theory, hands-on, project and reflection), asked with the block's last
/// week. Not rated. Each asks only about the weeks it closes (`studybot check` warns).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LookBack {
    /// The block's last week (a multiple of [`REVIEW_EVERY`]).
    pub closes: u32,
    pub questions: Vec<String>,
}

impl LookBack {
    /// The weeks the block covers, first and last.
    pub fn weeks(&self) -> (u32, u32) {
        (self.closes.saturating_sub(REVIEW_EVERY - 1).max(1), self.closes)
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub number: u32,
    pub title: String,
    pub summary: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Week {
    pub number: u32,
    /// Number of the phase this week belongs to.
    pub phase: u32,
    pub title: String,
    pub summary: String,
    pub topics: Vec<Topic>,
    #[serde(default)]
    pub exercises: Vec<String>,
    /// A larger project to start or continue this week.
    #[serde(default)]
    pub project: Option<String>,
    pub questions: Vec<String>,
    /// Which questions (numbered from 1) are reflective prompts: shown, never rated, never
    /// in "hardest topics". The others are rated 1 to 5.
    #[serde(default)]
    pub reflective: Vec<u32>,
    #[serde(default)]
    pub resources: Vec<String>,
    /// Optional outlines of answers to rated questions: what a good answer touches on, shown
    /// in spaced review on request ("Show outline").
    #[serde(default)]
    pub outline: Vec<Outline>,
}

/// The outline of an answer to one rated question of a week.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    /// The question, numbered from 1 in the file's order (as `reflective`).
    pub question: u32,
    /// The points a good answer makes, 1 to [`MAX_OUTLINE_POINTS`].
    pub points: Vec<String>,
}

/// An outline has at most this many points, each at most [`MAX_OUTLINE_POINT`] characters
/// (so it fits one embed field).
pub const MAX_OUTLINE_POINTS: usize = 5;
pub const MAX_OUTLINE_POINT: usize = 180;

impl Week {
    /// Whether question `index` (from 0) is rated 1 to 5 (not a reflective prompt).
    pub fn is_rated(&self, index: usize) -> bool {
        index < self.questions.len() && !self.reflective.contains(&(index as u32 + 1))
    }

    /// The number a question is shown with (from 1): the rated questions first, in order,
    /// then the reflective prompts, as the weekly post and `/assess` list them.
    pub fn shown_number(&self, index: usize) -> usize {
        let rated = self.rated_count();
        if self.is_rated(index) {
            (0..index).filter(|i| self.is_rated(*i)).count() + 1
        } else {
            rated + (0..index).filter(|i| !self.is_rated(*i)).count() + 1
        }
    }

    /// The outline of question `index` (from 0), if the curriculum gives one.
    pub fn outline_of(&self, index: usize) -> Option<&[String]> {
        self.outline.iter().find(|o| o.question as usize == index + 1).map(|o| o.points.as_slice())
    }

    /// How many of the week's questions are rated.
    pub fn rated_count(&self) -> usize {
        (0..self.questions.len()).filter(|i| self.is_rated(*i)).count()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub name: String,
    pub summary: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SkillArea {
    pub area: String,
    pub skills: Vec<String>,
}

/// `curriculum/role.toml`: what the distributed-systems engineer role is about (`/role`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleFile {
    pub role: Role,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub title: String,
    pub summary: String,
    pub characteristics: Vec<String>,
    pub responsibilities: Vec<String>,
    pub skills: Vec<String>,
    #[serde(default)]
    pub best_practices: Vec<RoleAdvice>,
    #[serde(default)]
    pub challenges: Vec<RoleAdvice>,
    /// Pay, requirements, progression and the market (a page of `/role`).
    #[serde(default)]
    pub career: Option<RoleCareer>,
}

/// The career side of the role (seed 003): figures as the seed gives them.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleCareer {
    /// Where the figures come from and what they are not (ranges, not promises).
    pub summary: String,
    pub pay: Vec<CareerLevel>,
    /// What else moves pay (location, company, total compensation).
    pub pay_notes: Vec<String>,
    pub requirements: Vec<String>,
    pub progression: Vec<String>,
    pub market: Vec<String>,
}

/// One area of the role's best practices or common challenges.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoleAdvice {
    pub area: String,
    pub points: Vec<String>,
}
