//! Study buddies, pure: who takes part in a round, and who is matched with whom.
//!
//! A round pairs the eligible members of a group (or makes groups of 3 when the group asks for
//! them) by minimising a cost over the groups formed:
//!
//! - two members who were together in one of the last [`HISTORY_ROUNDS`] rounds: heavy
//!   ([`REPEAT_COST`], more the more recent), so a partner comes back only when it cannot be
//!   avoided;
//! - a member's avoid list (`/buddy avoid`): never; such a group is never formed, even if that
//!   leaves someone without a partner;
//! - both at risk (two weeks missed in a row): medium ([`BOTH_AT_RISK_COST`]): an at-risk
//!   member is better matched with someone who keeps going;
//! - a gap in weeks checked in: small ([`GAP_COST_PER_WEEK`] a week).
//!
//! The search is a seeded randomised local search (restarts from shuffles, then swaps that
//! lower the cost), so a round is reproducible from (group, session) ([`seed`]) and a
//! 50-member group is matched in milliseconds. Nobody is dropped: pairs, and for an odd count
//! exactly one trio, which takes the member with the fewest trios so far; a member left alone
//! (a lone eligible member, or one every possible partner avoids) is told "no partner this
//! round".

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// Past rounds whose groups count as repeats.
pub const HISTORY_ROUNDS: usize = 6;
/// Two members together in a recent round: this, plus [`REPEAT_RECENCY`] for each round less
/// far back.
pub const REPEAT_COST: u64 = 1_000;
pub const REPEAT_RECENCY: u64 = 100;
/// Both members at risk.
pub const BOTH_AT_RISK_COST: u64 = 40;
/// Per week of difference in weeks checked in (capped at [`GAP_WEEKS_CAP`] weeks).
pub const GAP_COST_PER_WEEK: u64 = 2;
pub const GAP_WEEKS_CAP: u32 = 10;
/// A group with two members who must never be matched (an avoid): beyond any other cost.
const NEVER: u64 = 1 << 40;
/// Restarts of the search, and improving passes over all swaps per restart, at most.
const RESTARTS: usize = 24;
const PASSES: usize = 40;

/// A member's answer to their pair's mid-round check-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Met,
    NotYet,
    /// "Partner unreachable": the others are asked to say they are there within
    /// [`CONFIRM_HOURS`], else the member is rematched with someone free.
    Unreachable,
}

/// How long the others of a pair have to say they are there after "partner unreachable".
pub const CONFIRM_HOURS: i64 = 48;

/// A member eligible for the round, with what the cost looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: u64,
    /// Missed the last two finished weeks (the report's at-risk rule).
    pub at_risk: bool,
    pub weeks_checked_in: u32,
    /// Rounds in which they were in a group of 3.
    pub trios: u32,
}

/// What a round is matched against: recent rounds and the avoid lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// The groups of past rounds, most recent round first (only [`HISTORY_ROUNDS`] count).
    pub history: Vec<Vec<Vec<u64>>>,
    /// Pairs that must never be matched, either way round.
    pub avoid: HashSet<(u64, u64)>,
}

impl Rules {
    fn avoids(&self, a: u64, b: u64) -> bool {
        self.avoid.contains(&(a, b)) || self.avoid.contains(&(b, a))
    }

    /// How recently `a` and `b` were together: 0 for the last round, `None` for never (within
    /// [`HISTORY_ROUNDS`]).
    fn met(&self, a: u64, b: u64) -> Option<usize> {
        self.history
            .iter()
            .take(HISTORY_ROUNDS)
            .position(|round| round.iter().any(|g| g.contains(&a) && g.contains(&b)))
    }
}

/// A round's groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    /// Pairs (and at most one trio, or groups of 3 when asked), each by user id.
    pub groups: Vec<Vec<u64>>,
    /// Eligible members left without a partner this round (told so).
    pub alone: Vec<u64>,
    /// The cost of the groups (see the module's header).
    pub cost: u64,
}

/// A round's seed: the same (group, session) always matches the same way.
pub fn seed(group_id: i64, session: u32) -> u64 {
    // SplitMix64 over both: a fixed, documented mix (never std's randomised hasher).
    let mut z = (group_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(session);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The cost of putting `a` and `b` in one group ([`NEVER`] for an avoid).
pub fn pair_cost(a: &Candidate, b: &Candidate, rules: &Rules) -> u64 {
    if rules.avoids(a.user_id, b.user_id) {
        return NEVER;
    }
    let mut cost = 0;
    if let Some(age) = rules.met(a.user_id, b.user_id) {
        cost += REPEAT_COST + REPEAT_RECENCY * (HISTORY_ROUNDS - age) as u64;
    }
    if a.at_risk && b.at_risk {
        cost += BOTH_AT_RISK_COST;
    }
    let gap = a.weeks_checked_in.abs_diff(b.weeks_checked_in).min(GAP_WEEKS_CAP);
    cost + GAP_COST_PER_WEEK * u64::from(gap)
}

fn group_cost(members: &[&Candidate], rules: &Rules) -> u64 {
    let mut cost = 0;
    for (i, a) in members.iter().enumerate() {
        for b in &members[i + 1..] {
            cost += pair_cost(a, b, rules);
        }
    }
    cost
}

/// The sizes of a round's groups for `n` members: pairs with one trio for an odd count
/// (`size` 2), or groups of 3 with pairs for the rest (`size` 3). Empty below 2.
pub fn sizes(n: usize, size: u8) -> Vec<usize> {
    match (n, size) {
        (0 | 1, _) => Vec::new(),
        (n, 3) => match n % 3 {
            0 => vec![3; n / 3],
            1 => [vec![3; (n - 4) / 3], vec![2, 2]].concat(),
            _ => [vec![3; n / 3], vec![2]].concat(),
        },
        (n, _) if n % 2 == 1 => [vec![2; (n - 3) / 2], vec![3]].concat(),
        (n, _) => vec![2; n / 2],
    }
}

/// Matches a round's `candidates` (`size` 2: pairs; 3: groups of 3) under `rules`, from
/// `seed`. The order of `candidates` does not matter.
pub fn match_round(candidates: &[Candidate], size: u8, rules: &Rules, seed: u64) -> Matching {
    let mut people: Vec<&Candidate> = candidates.iter().collect();
    people.sort_by_key(|c| c.user_id);
    people.dedup_by_key(|c| c.user_id);
    let sizes = sizes(people.len(), size);
    if sizes.is_empty() {
        return Matching { groups: Vec::new(), alone: people.iter().map(|c| c.user_id).collect(), cost: 0 };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Pairs with one trio: the trio takes the member with the fewest trios so far (ties: by
    // the seed), kept in the last group's first place.
    let anchor = (size != 3 && people.len() % 2 == 1).then(|| {
        let fewest = people.iter().map(|c| c.trios).min().unwrap_or(0);
        let mut tied: Vec<usize> = (0..people.len()).filter(|&i| people[i].trios == fewest).collect();
        tied.shuffle(&mut rng);
        tied[0]
    });
    let trio_start = people.len().saturating_sub(3);
    let starts: Vec<usize> = sizes
        .iter()
        .scan(0, |at, s| {
            let start = *at;
            *at += s;
            Some(start)
        })
        .collect();
    let group_of = |pos: usize| starts.iter().rposition(|&s| s <= pos).unwrap_or(0);

    // Every pair's cost once; the search sums them (no allocation per swap).
    let n = people.len();
    let matrix: Vec<u64> = (0..n * n).map(|x| pair_cost(people[x / n], people[x % n], rules)).collect();
    let group_of_pos: Vec<usize> = (0..n).map(group_of).collect();
    let mut best: Option<(u64, Vec<usize>)> = None;
    for _ in 0..RESTARTS {
        // A random layout; the anchor at the trio's first place.
        let mut order: Vec<usize> = (0..people.len()).filter(|&i| Some(i) != anchor).collect();
        order.shuffle(&mut rng);
        if let Some(a) = anchor {
            order.insert(trio_start, a);
        }
        let cost_of = |order: &[usize], g: usize| {
            let end = starts.get(g + 1).copied().unwrap_or(order.len());
            let members = &order[starts[g]..end];
            let mut cost = 0;
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    cost += matrix[a * n + b];
                }
            }
            cost
        };
        let mut costs: Vec<u64> = (0..sizes.len()).map(|g| cost_of(&order, g)).collect();
        for _ in 0..PASSES {
            let mut improved = false;
            for i in 0..order.len() {
                for j in i + 1..order.len() {
                    let (gi, gj) = (group_of_pos[i], group_of_pos[j]);
                    if gi == gj || anchor.is_some_and(|a| order[i] == a || order[j] == a) {
                        continue;
                    }
                    order.swap(i, j);
                    let (ci, cj) = (cost_of(&order, gi), cost_of(&order, gj));
                    if ci + cj < costs[gi] + costs[gj] {
                        (costs[gi], costs[gj]) = (ci, cj);
                        improved = true;
                    } else {
                        order.swap(i, j);
                    }
                }
            }
            if !improved {
                break;
            }
        }
        let total: u64 = costs.iter().sum();
        if best.as_ref().is_none_or(|(c, _)| total < *c) {
            best = Some((total, order));
        }
    }
    let (_, order) = best.expect("at least one restart");
    let mut groups: Vec<Vec<&Candidate>> = sizes
        .iter()
        .enumerate()
        .map(|(g, s)| order[starts[g]..starts[g] + s].iter().map(|&i| people[i]).collect())
        .collect();

    // An avoid is never broken: a group that would break one loses members until it does
    // not; who is left over joins a pair that accepts them, else is alone this round.
    let mut alone: Vec<&Candidate> = Vec::new();
    for g in &mut groups {
        while g.len() > 1 && group_cost(g, rules) >= NEVER {
            // Drop the member in the most forbidden pairs (ties: the last).
            let worst = (0..g.len())
                .max_by_key(|&i| g.iter().filter(|o| rules.avoids(g[i].user_id, o.user_id)).count())
                .unwrap_or(0);
            alone.push(g.remove(worst));
        }
        if g.len() == 1 {
            alone.push(g.remove(0));
        }
    }
    groups.retain(|g| !g.is_empty());
    let mut left = Vec::new();
    for person in alone {
        let fits = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() == 2)
            .map(|(i, g)| (i, g.iter().map(|o| pair_cost(person, o, rules)).sum::<u64>()))
            .filter(|(_, c)| *c < NEVER)
            .min_by_key(|(_, c)| *c);
        match fits {
            Some((i, _)) => groups[i].push(person),
            None => left.push(person),
        }
    }
    // Two left alone who may be together make a pair.
    let mut still = Vec::new();
    while let Some(p) = left.pop() {
        match left.iter().position(|o| !rules.avoids(p.user_id, o.user_id)) {
            Some(k) => {
                let o = left.remove(k);
                groups.push(vec![o, p]);
            }
            None => still.push(p.user_id),
        }
    }
    still.sort_unstable();
    let cost = groups.iter().map(|g| group_cost(g, rules)).sum();
    let mut groups: Vec<Vec<u64>> = groups
        .into_iter()
        .map(|g| {
            let mut ids: Vec<u64> = g.iter().map(|c| c.user_id).collect();
            ids.sort_unstable();
            ids
        })
        .collect();
    groups.sort();
    Matching { groups, alone: still, cost }
}

/// A round's rematches ("partner unreachable" not answered in time): each of the `seekers`
/// gets a new partner, another seeker or one of the `free` members (eligible, in no group of
/// the round), the cheapest first (ties: another seeker, then by the seed), never across an
/// avoid (`rules.avoid` also holds the reported groups: nobody is rematched with whom they
/// could not reach). Free members join only to partner a seeker. A seeker nobody can take
/// joins the cheapest new pair as a third, or is left alone (told that nobody is free).
/// Reproducible from `seed`; the order of the inputs does not matter.
pub fn rematch(seekers: &[Candidate], free: &[Candidate], rules: &Rules, seed: u64) -> Matching {
    let mut order: Vec<&Candidate> = seekers.iter().collect();
    order.sort_by_key(|c| c.user_id);
    order.dedup_by_key(|c| c.user_id);
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let seeker_ids: HashSet<u64> = order.iter().map(|c| c.user_id).collect();
    let mut pool: Vec<&Candidate> = order.clone();
    let mut free: Vec<&Candidate> = free.iter().filter(|c| !seeker_ids.contains(&c.user_id)).collect();
    free.sort_by_key(|c| c.user_id);
    free.dedup_by_key(|c| c.user_id);
    pool.extend(free);
    let mut taken: HashSet<u64> = HashSet::new();
    let (mut groups, mut left, mut cost) = (Vec::<Vec<&Candidate>>::new(), Vec::new(), 0);
    for s in &order {
        if taken.contains(&s.user_id) {
            continue;
        }
        let best = pool
            .iter()
            .enumerate()
            .filter(|(_, p)| p.user_id != s.user_id && !taken.contains(&p.user_id))
            .map(|(i, p)| (pair_cost(s, p, rules), i))
            .filter(|(c, _)| *c < NEVER)
            .min();
        match best {
            Some((c, i)) => {
                taken.extend([s.user_id, pool[i].user_id]);
                groups.push(vec![s, pool[i]]);
                cost += c;
            }
            None => left.push(*s),
        }
    }
    let mut alone = Vec::new();
    for s in left {
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.len() == 2)
            .map(|(i, g)| (g.iter().map(|m| pair_cost(s, m, rules)).sum::<u64>(), i))
            .filter(|(c, _)| *c < NEVER)
            .min();
        match best {
            Some((c, i)) => {
                groups[i].push(s);
                cost += c;
            }
            None => alone.push(s.user_id),
        }
    }
    alone.sort_unstable();
    Matching { groups: groups.into_iter().map(|g| g.into_iter().map(|c| c.user_id).collect()).collect(), alone, cost }
}

/// Whether the session numbered `session` of a group's calendar carries a round, for rounds
/// every `every` weeks: sessions 0, `every`, 2 `every`... (a skipped one has none).
pub fn is_round(session: u32, every: u32) -> bool {
    every > 0 && session.is_multiple_of(every)
}

/// When the group's next round comes: the start of its next held session that carries one.
pub fn next_round(upcoming: &[crate::calendar::Upcoming], every: u32) -> Option<chrono::DateTime<chrono::Utc>> {
    upcoming.iter().find(|u| is_round(u.session, every)).map(|u| u.at)
}

/// Why a member who opted in takes no part in a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sitting {
    /// `/buddy pause`, or paused by the bot after rounds without a word.
    Paused,
    /// Away that week (`/away`).
    Away,
    /// No check-in in the last [`ACTIVE_WEEKS`] finished held weeks, and not new.
    Inactive,
}

/// A member counts as active with a check-in in one of this many last finished held weeks...
pub const ACTIVE_WEEKS: usize = 3;
/// ...or when they joined the group this many weeks ago or less.
pub const NEW_MEMBER_WEEKS: u32 = 2;
/// Rounds in a row without a check-in or an answer in the thread that pause a member.
pub const SILENT_ROUNDS: u32 = 2;

/// What eligibility looks at for one member who opted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub paused: bool,
    pub away: bool,
    /// Whether they checked in for each of the group's last finished held weeks, latest first.
    pub recent_checkins: Vec<bool>,
    pub joined_week: u32,
}

/// Whether a member who opted in takes part in the round of week `week`.
pub fn eligible(s: &Standing, week: u32) -> Result<(), Sitting> {
    if s.paused {
        return Err(Sitting::Paused);
    }
    if s.away {
        return Err(Sitting::Away);
    }
    let recent = s.recent_checkins.iter().take(ACTIVE_WEEKS).any(|c| *c);
    let new = week.saturating_sub(s.joined_week) <= NEW_MEMBER_WEEKS;
    if recent || new { Ok(()) } else { Err(Sitting::Inactive) }
}

/// Whether a member is paused after a round: `silent` rounds in a row (this one included)
/// without a check-in or an answer in the thread.
pub fn auto_pause(silent: u32) -> bool {
    silent >= SILENT_ROUNDS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people(n: u64) -> Vec<Candidate> {
        (1..=n).map(|user_id| Candidate { user_id, at_risk: false, weeks_checked_in: 5, trios: 0 }).collect()
    }

    fn everyone(m: &Matching) -> Vec<u64> {
        let mut all: Vec<u64> = m.groups.iter().flatten().copied().chain(m.alone.iter().copied()).collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn group_sizes_keep_everyone() {
        assert_eq!(sizes(1, 2), Vec::<usize>::new());
        assert_eq!(sizes(2, 2), [2]);
        assert_eq!(sizes(3, 2), [3]);
        assert_eq!(sizes(7, 2), [2, 2, 3]);
        assert_eq!(sizes(4, 3), [2, 2]);
        assert_eq!(sizes(7, 3), [3, 2, 2]);
        assert_eq!(sizes(8, 3), [3, 3, 2]);
        for n in 2..60 {
            for size in [2, 3] {
                assert_eq!(sizes(n, size).iter().sum::<usize>(), n, "{n} by {size}");
            }
        }
    }

    /// Nobody dropped, exactly one trio for an odd count, and it takes the member with the
    /// fewest trios.
    #[test]
    fn an_odd_count_makes_exactly_one_trio_with_the_fewest_trios() {
        for n in [3, 5, 9, 51] {
            let mut c = people(n);
            for p in &mut c {
                p.trios = 3;
            }
            c[1].trios = 1;
            let m = match_round(&c, 2, &Rules::default(), 7);
            assert_eq!(everyone(&m), (1..=n).collect::<Vec<_>>(), "nobody dropped");
            let trios: Vec<&Vec<u64>> = m.groups.iter().filter(|g| g.len() == 3).collect();
            assert_eq!(trios.len(), 1, "{m:?}");
            assert!(trios[0].contains(&2), "the member with the fewest trios: {m:?}");
            assert!(m.groups.iter().all(|g| g.len() == 2 || g.len() == 3));
        }
        let lone = match_round(&people(1), 2, &Rules::default(), 1);
        assert_eq!((lone.groups.len(), lone.alone.clone()), (0, vec![1]));
    }

    /// Six rounds of 12 members: nobody meets the same partner twice (it is avoidable).
    #[test]
    fn no_repeat_within_six_rounds_when_avoidable() {
        let c = people(12);
        let mut rules = Rules::default();
        for round in 0..6 {
            let m = match_round(&c, 2, &rules, seed(1, round));
            assert!(m.cost < REPEAT_COST, "round {round}: {m:?}");
            for g in &m.groups {
                assert!(rules.met(g[0], g[1]).is_none(), "round {round} repeats {g:?}");
            }
            rules.history.insert(0, m.groups);
        }
    }

    /// An avoid is never broken, even when it leaves someone alone.
    #[test]
    fn an_avoid_is_never_broken() {
        let c = people(2);
        let rules = Rules { avoid: [(2, 1)].into_iter().collect(), ..Rules::default() };
        let m = match_round(&c, 2, &rules, 3);
        assert_eq!((m.groups.len(), m.alone.clone()), (0, vec![1, 2]));
        // Everyone avoids member 1 but one: 1 is matched with that one.
        let c = people(8);
        let avoid: HashSet<(u64, u64)> = (3..=8).map(|u| (u, 1)).collect();
        let rules = Rules { avoid, ..Rules::default() };
        for s in 0..20 {
            let m = match_round(&c, 2, &rules, s);
            let with = m.groups.iter().find(|g| g.contains(&1)).unwrap();
            assert!(with.iter().all(|u| *u == 1 || *u == 2), "seed {s}: {m:?}");
            assert_eq!(everyone(&m).len(), 8);
        }
    }

    /// The same seed gives the same round whatever the order of the candidates; the cost
    /// prefers mixing at-risk members with others.
    #[test]
    fn a_round_is_reproducible_from_its_seed() {
        let mut c = people(20);
        for p in c.iter_mut().take(6) {
            p.at_risk = true;
        }
        let a = match_round(&c, 2, &Rules::default(), seed(42, 7));
        c.reverse();
        let b = match_round(&c, 2, &Rules::default(), seed(42, 7));
        assert_eq!(a, b);
        assert_eq!(a.cost, 0, "six at-risk members each with someone not at risk: {a:?}");
        assert_ne!(seed(42, 7), seed(42, 8));
        assert_ne!(seed(42, 7), seed(43, 7));
    }

    /// Groups of 3 when the group asks for them, pairs for the rest; avoids hold in a trio.
    #[test]
    fn groups_of_three_keep_everyone_and_every_avoid() {
        let c = people(11);
        let avoid: HashSet<(u64, u64)> = [(1, 2), (1, 3), (2, 3), (4, 5)].into_iter().collect();
        let rules = Rules { avoid, ..Rules::default() };
        let m = match_round(&c, 3, &rules, seed(9, 1));
        assert_eq!(everyone(&m), (1..=11).collect::<Vec<_>>());
        let mut lens: Vec<usize> = m.groups.iter().map(Vec::len).collect();
        lens.sort_unstable();
        assert_eq!(lens, [2, 3, 3, 3], "{m:?}");
        for g in &m.groups {
            for a in g {
                assert!(g.iter().all(|b| !rules.avoids(*a, *b)), "{g:?} breaks an avoid");
            }
        }
    }

    /// A rematch: every seeker gets a partner when anyone can take them (another seeker
    /// first, then a free member), never the one they could not reach nor an avoid; a free
    /// member is used only for a seeker; the odd seeker joins a pair; reproducible.
    #[test]
    fn a_rematch_partners_seekers_and_only_as_many_free_members_as_needed() {
        let c = people(8);
        // 1 could not reach 2, 3 could not reach 4 (their groups are avoids now).
        let rules = Rules { avoid: [(1, 2), (3, 4)].into_iter().collect(), ..Rules::default() };
        let m = rematch(&[c[0].clone(), c[2].clone()], &[c[6].clone(), c[7].clone()], &rules, 5);
        assert_eq!(m.groups.len(), 1, "the two seekers together, no free member used: {m:?}");
        let mut g = m.groups[0].clone();
        g.sort_unstable();
        assert_eq!(g, [1, 3]);
        // A seeker whose only other option is avoided takes a free member.
        let rules = Rules { avoid: [(1, 2), (1, 3)].into_iter().collect(), ..Rules::default() };
        let m = rematch(&[c[0].clone(), c[2].clone()], &[c[6].clone(), c[7].clone()], &rules, 5);
        assert!(m.alone.is_empty(), "{m:?}");
        assert_eq!(m.groups.len(), 2, "{m:?}");
        assert!(m.groups.iter().all(|g| !(g.contains(&1) && g.contains(&3))), "{m:?}");
        // With one free member, one of them is left alone (never with whom they avoid).
        let m = rematch(&[c[0].clone(), c[2].clone()], &[c[6].clone()], &rules, 5);
        assert_eq!((m.groups.len(), m.alone.len()), (1, 1), "{m:?}");
        // Nobody free: alone. Three seekers: a pair and a third.
        let rules = Rules { avoid: [(1, 2)].into_iter().collect(), ..Rules::default() };
        let m = rematch(&[c[0].clone()], &[c[1].clone()], &rules, 5);
        assert_eq!((m.groups.len(), m.alone.clone()), (0, vec![1]));
        let three = [c[0].clone(), c[2].clone(), c[4].clone()];
        let m = rematch(&three, &[], &Rules::default(), 9);
        assert_eq!(m.groups.len(), 1);
        assert_eq!(m.groups[0].len(), 3, "{m:?}");
        let mut reversed = three.clone();
        reversed.reverse();
        assert_eq!(rematch(&reversed, &[], &Rules::default(), 9), m);
        // A member recently met costs more than a fresh one.
        let rules = Rules { history: vec![vec![vec![1, 7]]], ..Rules::default() };
        let m = rematch(&[c[0].clone()], &[c[6].clone(), c[7].clone()], &rules, 1);
        assert_eq!(m.groups, [vec![1, 8]]);
    }

    #[test]
    fn eligibility_and_auto_pause() {
        let s = Standing { paused: false, away: false, recent_checkins: vec![false, false, true], joined_week: 1 };
        assert_eq!(eligible(&s, 10), Ok(()));
        let idle = Standing { recent_checkins: vec![false, false, false, true], ..s.clone() };
        assert_eq!(eligible(&idle, 10), Err(Sitting::Inactive));
        assert_eq!(eligible(&Standing { joined_week: 8, ..idle.clone() }, 10), Ok(()), "joined 2 weeks ago");
        assert_eq!(eligible(&Standing { away: true, ..s.clone() }, 10), Err(Sitting::Away));
        assert_eq!(eligible(&Standing { paused: true, ..s }, 10), Err(Sitting::Paused));
        assert!(!auto_pause(1) && auto_pause(2));
    }
}
