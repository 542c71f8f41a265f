//! `studybot check` and `studybot preview` on the shipped curriculum and on broken copies.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use studybot::curriculum::Curriculum;
use studybot::limits;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_studybot"));
    c.env_remove("STUDYBOT_CONFIG").env_remove("STUDYBOT_CURRICULUM");
    c
}

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("curriculum")
}

/// A copy of the shipped curriculum in a temporary directory.
fn copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("paths")).unwrap();
    for rel in ["resources.toml", "tracks.toml", "role.toml"] {
        std::fs::copy(shipped().join(rel), dir.path().join(rel)).unwrap();
    }
    for e in std::fs::read_dir(shipped().join("paths")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join("paths").join(e.file_name())).unwrap();
    }
    dir
}

/// Runs `check` and parses its output as `FILE:LINE:COL: message` lines.
/// One parsed problem line: file, line, column, message.
type ProblemLine = (String, usize, usize, String);

fn check(dir: &Path) -> (bool, Vec<ProblemLine>, String) {
    let out = bin().args(["check", "--curriculum"]).arg(dir).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = Vec::new();
    if !out.status.success() {
        for l in stdout.lines() {
            // FILE may contain ':' only in exotic temp paths; split from the right.
            let (file_line_col, msg) = l.split_once(".toml:").expect(l);
            let mut parts = msg.splitn(3, ':');
            let line: usize = parts.next().unwrap().parse().expect(l);
            let col: usize = parts.next().unwrap().parse().expect(l);
            let message = parts.next().unwrap().trim().to_string();
            lines.push((format!("{file_line_col}.toml"), line, col, message));
        }
    }
    (out.status.success(), lines, stdout)
}

/// 1-based line number of the first line containing `needle` at or after line `from`.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` not found after line {from}"))
}

/// Line of the `[[weeks]]` header of the n-th week (1-based).
fn week_header(text: &str, n: usize) -> usize {
    text.lines().enumerate().filter(|(_, l)| l.trim() == "[[weeks]]").nth(n - 1).map(|(i, _)| i + 1).unwrap()
}

#[test]
fn shipped_curriculum_passes_with_a_one_line_summary() {
    let (ok, _, stdout) = check(&shipped());
    assert!(ok, "{stdout}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("2 paths") && stdout.contains("5 tracks"), "{stdout}");
    // The embedded copy is the same curriculum.
    let out = bin().arg("check").output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), stdout);
}

#[test]
fn shipped_curriculum_has_the_documented_shape() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let arch = c.path("architecture").unwrap();
    assert_eq!(arch.weeks.len(), 36);
    assert_eq!(arch.phases.len(), 4);
    let senior = c.path("senior").unwrap();
    assert_eq!(senior.weeks.len(), 15);
    assert_eq!(senior.phases.len(), 5);
    assert!(!senior.assessment.is_empty());
    assert_eq!(c.tracks.len(), 5);
    for p in &c.paths {
        for (i, w) in p.weeks.iter().enumerate() {
            assert_eq!(w.number as usize, i + 1);
            assert!(w.questions.len() >= 3, "{} week {}", p.path.id, w.number);
            assert!(w.rated_count() >= 3, "{} week {}: fewer than 3 rated questions", p.path.id, w.number);
            assert!(!w.topics.is_empty());
        }
    }
    for t in &c.tracks {
        assert_eq!(t.learning.iter().map(|l| l.hours).sum::<u32>(), t.learning_hours);
    }
}

#[test]
fn syntax_error_is_reported_with_its_position() {
    let dir = copy();
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = week_header(&text, 3) + 1;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at - 1, "title = \"unterminated");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    assert_eq!(problems.len(), 1, "{out}");
    let (f, line, col, msg) = &problems[0];
    assert!(f.ends_with("paths/architecture.toml"), "{f}");
    assert_eq!(*line, at, "{out}");
    assert!(*col > 1, "{out}");
    assert!(msg.contains("TOML syntax error"), "{out}");
}

#[test]
fn unknown_key_is_an_error_at_the_key() {
    let dir = copy();
    let file = dir.path().join("paths/senior.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = week_header(&text, 2) + 1;
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(at - 1, "titel = \"typo\"");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    let p = problems.iter().find(|p| p.3.contains("titel")).expect(&out);
    assert!(p.0.ends_with("paths/senior.toml"));
    assert_eq!((p.1, p.2), (at, 1), "{out}");
    assert!(p.3.contains("unknown field"), "{out}");
}

#[test]
fn duplicate_ids_missing_week_dangling_reference_and_two_questions_are_all_reported() {
    let dir = copy();
    // Duplicate resource id: a new resource reuses the first one's id.
    let res = dir.path().join("resources.toml");
    let mut text = std::fs::read_to_string(&res).unwrap();
    let first_id = text.lines().find(|l| l.trim_start().starts_with("id = ")).unwrap().trim().to_string();
    text.push_str(&format!("\n[[resources]]\n{first_id}\nkind = \"book\"\ntitle = \"Copy\"\nsummary = \"A copy.\"\n"));
    let dup_line = text.lines().count() - 3;
    std::fs::write(&res, text).unwrap();

    // In the architecture path: remove week 5 entirely, point week 2 at a resource that does
    // not exist, and give week 3 only two questions (edited structurally, formatting kept).
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let weeks = doc["weeks"].as_array_of_tables_mut().unwrap();
    let w2 = weeks.get_mut(1).unwrap();
    let mut res = toml_edit::Array::new();
    res.push("no-such-book");
    w2["resources"] = toml_edit::value(res);
    let w3 = weeks.get_mut(2).unwrap();
    let mut qs = toml_edit::Array::new();
    qs.push("Can I do the first thing?");
    qs.push("Can I do the second thing?");
    w3["questions"] = toml_edit::value(qs);
    weeks.remove(4);
    let new_text = doc.to_string();
    std::fs::write(&file, &new_text).unwrap();

    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    let find = |needle: &str| {
        problems.iter().find(|p| p.3.contains(needle)).unwrap_or_else(|| panic!("no `{needle}` in:\n{out}"))
    };

    let dup = find("duplicate resource id");
    assert!(dup.0.ends_with("resources.toml"));
    assert_eq!((dup.1, dup.2), (dup_line, 1), "{out}");

    let missing = find("week 5 is missing");
    let w6 = week_header(&new_text, 5);
    assert_eq!(missing.1, line_of(&new_text, "number", w6), "{out}");

    let dangling = find("unknown resource id `no-such-book`");
    let w2h = week_header(&new_text, 2);
    assert_eq!(dangling.1, line_of(&new_text, "no-such-book", w2h), "{out}");

    let two = find("has 2 self-assessment questions");
    let w3h = week_header(&new_text, 3);
    assert_eq!(two.1, line_of(&new_text, "questions", w3h), "{out}");
    assert_eq!(two.2, 1);

    // Nothing else is reported: no cascade of follow-on errors.
    assert_eq!(problems.len(), 4, "{out}");
}

#[test]
fn a_bad_curriculum_is_refused_by_run_too() {
    let dir = copy();
    std::fs::write(dir.path().join("tracks.toml"), "[[tracks]]\nid = \"x\"\n").unwrap();
    let out = bin()
        .args(["run", "--curriculum"])
        .arg(dir.path())
        .env("DISCORD_TOKEN", "a.b.c")
        .env("STUDYBOT_DATABASE", dir.path().join("x.db"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tracks.toml:1:1: missing field"), "{err}");
}

#[test]
fn preview_json_for_every_week_is_valid_and_within_discord_limits() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let mut checked = 0;
    for p in &c.paths {
        for w in &p.weeks {
            let out = bin()
                .args(["preview", "--curriculum"])
                .arg(shipped())
                .args(["--path", &p.path.id, "--week", &w.number.to_string(), "--json"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{} {}", p.path.id, w.number);
            let body: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
            let v = limits::check_message(&body);
            assert!(v.is_empty(), "{} week {}: {v:?}", p.path.id, w.number);
            assert_eq!(body["embeds"].as_array().unwrap().len(), 2);
            let buttons = &body["components"][0]["components"];
            assert_eq!(buttons[0]["label"], "Check in");
            assert!(body["embeds"][1]["description"].as_str().unwrap().contains(&w.questions[0]));
            // Nobody is pinged by a preview.
            assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
            checked += 1;
        }
    }
    assert_eq!(checked, 51);
}

#[test]
fn every_week_fits_with_the_largest_group_name_and_role() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    for p in &c.paths {
        for w in &p.weeks {
            let v = studybot::render::week_post_violations(&c, p, w);
            assert!(v.is_empty(), "{} week {}: {v:?}", p.path.id, w.number);
        }
    }
}

#[test]
fn preview_rejects_unknown_path_and_week() {
    let out = bin().args(["preview", "--path", "nope", "--week", "1"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown path `nope`"));
    let out = bin().args(["preview", "--path", "senior", "--week", "99"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("weeks 1 to 15"));
    let out = bin().args(["preview", "--path", "senior", "--week", "2"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Week 2 of 15"));
}

/// Questions are rated (1-5) unless the week lists them as reflective prompts; a week needs
/// at least 3 rated ones, and a reflective number must name one of its questions.
#[test]
fn a_week_with_fewer_than_three_rated_questions_is_rejected() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let reflective: usize = c.paths.iter().flat_map(|p| &p.weeks).map(|w| w.questions.len() - w.rated_count()).sum();
    assert!((20..=30).contains(&reflective), "about two dozen reflective prompts, found {reflective}");

    let dir = copy();
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    // Week 2 has four questions: two reflective leave two rated; week 3 names a fifth.
    let at2 = line_of(&text, "questions = [", week_header(&text, 2));
    let at3 = line_of(&text, "questions = [", week_header(&text, 3));
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.insert(at3 - 1, "reflective = [5]".into());
    lines.insert(at2 - 1, "reflective = [1, 2]".into());
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    assert!(
        problems
            .iter()
            .any(|(_, line, _, m)| *line == at2 && m.contains("week 2 has 2 rated self-assessment questions")),
        "{out}"
    );
    assert!(
        problems.iter().any(|(_, _, _, m)| m.contains("reflective question 5 does not exist: week 3 has 4")),
        "{out}"
    );
}

/// An answer outline names a rated question of its week, once, with 1 to 5 points of at
/// most 180 characters; the shipped curriculum's outlines pass.
#[test]
fn an_outline_must_name_a_rated_question_with_a_few_short_points() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let outlined = c.paths.iter().flat_map(|p| &p.weeks).map(|w| w.outline.len()).sum::<usize>();
    assert!(outlined >= 4, "{outlined}");

    let dir = copy();
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let at3 = week_header(&text, 3);
    let long = "x".repeat(181);
    let block = format!(
        "[[weeks.outline]]\nquestion = 9\npoints = []\n\n[[weeks.outline]]\nquestion = 2\npoints = [\"{long}\"]\n\n\
         [[weeks.outline]]\nquestion = 2\npoints = [\"fine\"]\n"
    );
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.insert(at3 - 1, block);
    std::fs::write(&file, lines.join("\n")).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    for expected in [
        "question 9 does not exist: week 2 has 4",
        "0 points, needs 1 to 5",
        "a point of 181 characters, needs 1 to 180",
        "question 2 has two outlines",
    ] {
        assert!(problems.iter().any(|(_, _, _, m)| m.contains(expected)), "no `{expected}` in:\n{out}");
    }
}

/// `studybot check` with a database: the live review cards whose question this curriculum
/// rewords are listed in a warning (they would retire), the others are not; the check passes.
#[tokio::test]
async fn check_warns_of_the_review_cards_a_reworded_question_would_retire() {
    use studybot::db::members::{self, Author};
    let dir = copy();
    let file = dir.path().join("db.sqlite");
    let db = studybot::db::open(file.as_path()).await.unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-30T20:00:00Z").unwrap().with_timezone(&chrono::Utc);
    let settings = studybot::model::GroupSettings {
        name: "Evenings".into(),
        channel_id: 10,
        path_id: "architecture".into(),
        schedule: studybot::model::Schedule::from_parts("2026-11-30", 0, "18:00", "UTC", 1).unwrap(),
        mention_role_id: None,
    };
    let g = studybot::db::groups::insert_unchecked(&db, 1, &settings, 1, at).await.unwrap().unwrap();
    for user in [7u64, 8, 9] {
        let who = Author { guild_id: 1, group_id: g, user_id: user, display_name: "m" };
        members::join(&db, who, 1, at).await.unwrap();
        for q in [0u8, 1] {
            members::set_rating(&db, who, 1, q, 4, at).await.unwrap();
        }
    }
    // Scheduled with the hashes of the shipped texts.
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let week1 = c.week("architecture", 1).unwrap();
    for (q, text) in week1.questions.iter().take(2).enumerate() {
        let hash = studybot::review::question_hash(text);
        let sql = format!(
            "UPDATE review_cards SET question_hash = '{hash}', stability = 2.0, difficulty = 5.0, due_at = rated_at,
             last_review_at = rated_at WHERE question = $1"
        );
        assert_eq!(db.raw_execute(&sql, &[q as i64]).await.unwrap(), 3);
    }
    drop(db);
    let run = |dir: &Path| {
        let out = bin().args(["check", "--curriculum"]).arg(dir).arg("--database").arg(&file).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    // Unchanged: the one-line summary only.
    assert_eq!(run(dir.path()).lines().count(), 1);
    // Week 1's second question reworded: its three cards would retire.
    let path = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(&week1.questions[1], "Can I explain each letter of ACID with an example?", 1))
        .unwrap();
    let out = run(dir.path());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[1].starts_with("warning: this curriculum would retire 3 spaced-review cards"), "{out}");
    assert_eq!(lines[2], "  architecture week 1, question 2 in the file: 3 (its text changed)");
}

/// The architecture path's look-back closes every four-week block in the weekly post, and
/// asks only about that block: CAP (week 13) is not asked after week 8, "a million requests
/// a second" only at the end.
#[test]
fn each_look_back_closes_its_four_week_block_and_asks_about_it() {
    let preview = |week: &str| {
        let out = bin().args(["preview", "--path", "architecture", "--week", week]).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let arch = c.path("architecture").unwrap();
    assert_eq!(arch.look_back.iter().map(|b| b.closes).collect::<Vec<_>>(), [4, 8, 12, 16, 20, 24, 28, 32, 36]);
    for (week, range) in [("4", "weeks 1 to 4"), ("8", "weeks 5 to 8"), ("36", "weeks 33 to 36")] {
        let text = preview(week);
        assert!(text.contains(&format!("Looking back on {range}")), "week {week}:\n{text}");
        let block = arch.look_back.iter().find(|b| b.closes.to_string() == week).unwrap();
        assert!(block.questions.iter().all(|q| text.contains(q.as_str())), "week {week}:\n{text}");
    }
    let week8 = preview("8");
    assert!(week8.contains("Bloom filter") && !week8.contains("give up consistency"), "{week8}");
    assert!(!week8.contains("a million requests a second"), "{week8}");
    assert!(preview("36").contains("a million requests a second"));
    for week in ["1", "5", "35"] {
        assert!(!preview(week).contains("Looking back"), "week {week}");
    }
}

/// A question that nearly repeats another of its week is refused at its position; so is a
/// look-back that closes no block.
#[test]
fn a_near_duplicate_question_is_rejected_at_its_position() {
    let dir = copy();
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let week1 = &c.path("architecture").unwrap().weeks[0];
    // Week 1's last question reworded a little: "nearly repeats question 1".
    let first = &week1.questions[0];
    let copy = first.replacen("Can I", "Could I", 1);
    let last = week1.questions.last().unwrap();
    let at = line_of(&text, &format!("\"{last}\""), week_header(&text, 1));
    let text = text.replacen(&format!("\"{last}\""), &format!("\"{copy}\""), 1);
    // A look-back after week 6, which closes no block.
    let text = text.replacen("closes = 8", "closes = 6", 1);
    std::fs::write(&file, &text).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok, "{out}");
    let n = week1.questions.len();
    assert!(
        problems.iter().any(|(f, line, col, m)| f.ends_with("paths/architecture.toml")
            && *line == at
            && *col == 5
            && m.contains(&format!("question {n} nearly repeats question 1 of this week"))),
        "{out}"
    );
    let at = line_of(&text, "closes = 6", 1);
    assert!(
        problems.iter().any(|(_, line, _, m)| *line == at && m.contains("week 6 does not close a block of 4 weeks")),
        "{out}"
    );
    // Questions that share a topic but ask different things pass (the shipped weeks).
    assert!(!studybot::curriculum::near_duplicate(
        "How did the false-positive rate of my Bloom filter change as I added more items?",
        "Can I explain why a Bloom filter may wrongly answer 'maybe present' but never wrongly answer 'absent'?"
    ));
}

/// A look-back question about a topic taught after the weeks it closes is a warning with its
/// position (seed 002's CAP question after week 8); the check still passes.
#[test]
fn a_look_back_about_later_weeks_is_a_warning_with_its_position() {
    let dir = copy();
    let file = dir.path().join("paths/architecture.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let cap = "Can I explain the trade-offs between consistency and availability (CAP)?";
    let at = line_of(&text, "closes = 8", 1) + 2;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines.insert(at - 1, format!("    \"{cap}\","));
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = bin().args(["check", "--curriculum"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{stdout}");
    let warnings: Vec<&str> = stdout.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{stdout}");
    let w = warnings[0];
    assert!(w.contains(&format!("paths/architecture.toml:{at}:5: look_back[1].questions[0]")), "{w}");
    assert!(w.contains("closes weeks 5 to 8 but asks about") && w.contains("`cap` (week 13"), "{w}");
    // The bot starts with it too, saying so.
    let c = Curriculum::load_dir(dir.path()).unwrap();
    assert_eq!(c.warnings.len(), 1);
}

/// The track guide and the role's career page are data: an empty list in either is refused
/// at its key.
#[test]
fn the_track_guide_and_the_career_page_are_validated() {
    let c = Curriculum::load_dir(&shipped()).unwrap();
    let g = c.guide.as_ref().expect("tracks.toml has a guide");
    assert_eq!(g.plan.iter().filter_map(|s| s.hours).collect::<Vec<_>>(), [20, 100]);
    assert_eq!(g.decide.len(), 6);
    let career = c.role.as_ref().unwrap().career.as_ref().expect("role.toml has a career page");
    assert!(career.pay.iter().any(|l| l.range.contains("$151,277")));
    assert!(career.summary.contains("not promises"));

    let dir = copy();
    let tracks = dir.path().join("tracks.toml");
    let text = std::fs::read_to_string(&tracks).unwrap();
    let start = text.find("t_shaped = [").unwrap();
    let end = start + text[start..].find(']').unwrap() + 1;
    let text = format!("{}t_shaped = []{}", &text[..start], &text[end..]);
    std::fs::write(&tracks, &text).unwrap();
    let role = dir.path().join("role.toml");
    let rtext = std::fs::read_to_string(&role).unwrap();
    let start = rtext.find("market = [").unwrap();
    let end = start + rtext[start..].find(']').unwrap() + 1;
    let rtext = format!("{}market = []{}", &rtext[..start], &rtext[end..]);
    std::fs::write(&role, &rtext).unwrap();
    let (ok, problems, out) = check(dir.path());
    assert!(!ok);
    let at = line_of(&text, "t_shaped = []", 1);
    assert!(
        problems.iter().any(|(f, line, _, m)| f.ends_with("tracks.toml")
            && *line == at
            && m == "guide.t_shaped: must list at least one entry"),
        "{out}"
    );
    let at = line_of(&rtext, "market = []", 1);
    assert!(
        problems.iter().any(|(f, line, _, m)| f.ends_with("role.toml")
            && *line == at
            && m == "role.career.market: must list at least one entry"),
        "{out}"
    );
}
