//! The weekly report (`/report on|off|now`, plain `/report`; `report` in `tutor
//! play`): its setting, its job in the schedule index, the claim that keeps it to
//! one a week, and its figures.
//!
//! The job of a learner whose report is on lies at the next Monday's send
//! (`learn::report`), or [`learn::report::REPORT_HOP`] ahead if that is sooner, so
//! that nothing planned lies beyond the planning horizon. When it comes due,
//! [`Tutor::claim_report`] plans the next look, claims the week in the store and
//! flushes before it hands out a [`ClaimedReport`]: a restart cannot send that week
//! again (a crash between the flush and the send skips it instead).

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::lang::Lang;
use crate::learn::report::{self as rules, ReportAction, Week, WeekSummary};
use crate::learn::{self, Stats};
use crate::store::{Job, JobKind, ReportSetting, StoreError};

use super::Tutor;

/// `/report …`, parsed at the edge (the terminal's `report` is [`ReportArg::Now`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportArg {
    /// `/report`: the setting and the next report.
    Status,
    /// `/report on` (开, 开启: [`super::schedule::on_off`]).
    On,
    /// `/report off` (关, 关闭).
    Off,
    /// `/report now` (现在): this week's report at once.
    Now,
    /// Anything else.
    Bad,
}

impl ReportArg {
    pub fn parse(args: &str) -> ReportArg {
        let word = args.trim().to_ascii_lowercase();
        match super::schedule::on_off(&word) {
            Some(true) => ReportArg::On,
            Some(false) => ReportArg::Off,
            None if word.is_empty() => ReportArg::Status,
            None if matches!(word.as_str(), "now" | "现在") => ReportArg::Now,
            None => ReportArg::Bad,
        }
    }
}

/// The setting as it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPlan {
    pub on: bool,
    /// The next report (when on).
    pub next: Option<DateTime<Utc>>,
    pub tz: Tz,
    /// When this was read (the view says 下周一 09:00 relative to it).
    pub now: DateTime<Utc>,
}

/// A report's figures and the statistics its chart is drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub summary: WeekSummary,
    pub stats: Stats,
}

/// What `/report …` did.
#[derive(Debug, Clone, PartialEq)]
pub enum ReportOutcome {
    Status(ReportPlan),
    /// Turned on (or on already): when the first report comes.
    On(ReportPlan),
    Off,
    /// `/report now`: the report of the last 7 days, today included.
    Now(Box<Report>),
    Usage,
}

/// A weekly report claimed for its week, the claim durable: send it. Only
/// [`Tutor::claim_report`] makes one, after the flush.
#[derive(Debug)]
pub struct ClaimedReport {
    chat: i64,
    lang: Lang,
    report: Report,
}

impl ClaimedReport {
    /// The learner's private chat.
    pub fn chat(&self) -> i64 {
        self.chat
    }

    /// The learner's language for what they get unprompted.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn report(&self) -> &Report {
        &self.report
    }
}

/// How far back the log is read for a report: its week ends at most 7 days ago, and
/// a day of margin covers any zone.
const LOG_BACK: TimeDelta = TimeDelta::days(16);

impl Tutor {
    /// `/report …` of `user` in their private chat. The caller makes a change durable
    /// before it confirms it.
    pub fn report(&self, user: i64, arg: ReportArg) -> Result<ReportOutcome, StoreError> {
        Ok(match arg {
            ReportArg::Status => {
                let setting = self.store.report_setting(user)?;
                ReportOutcome::Status(self.report_plan(user, setting, false)?)
            }
            ReportArg::On => {
                // A week whose time has passed is not sent now: it counts as sent.
                let (tz, old) = (self.learner_tz_of(user)?, self.store.report_setting(user)?);
                let skip = rules::skipped_on(tz, old.last_sent, self.now()).filter(|_| !old.on);
                let setting = self.store.set_report(user, true, skip)?;
                ReportOutcome::On(self.report_plan(user, setting, !old.on)?)
            }
            ReportArg::Off => {
                self.store.set_report(user, false, None)?;
                self.store.schedule(user, JobKind::Report, None)?;
                ReportOutcome::Off
            }
            ReportArg::Now => {
                let today = learn::local_day(self.now(), self.learner_tz_of(user)?);
                ReportOutcome::Now(Box::new(self.week_report(user, Week::ending(today))?))
            }
            ReportArg::Bad => ReportOutcome::Usage,
        })
    }

    /// The setting with its next report. A report that is on gets its job planned
    /// (`replan`: always; else only when it has none, as after the learner blocked
    /// the bot and came back).
    fn report_plan(
        &self,
        user: i64,
        setting: ReportSetting,
        replan: bool,
    ) -> Result<ReportPlan, StoreError> {
        let (tz, now) = (self.learner_tz_of(user)?, self.now());
        let mut plan = ReportPlan {
            on: setting.on,
            next: None,
            tz,
            now,
        };
        if !setting.on {
            return Ok(plan);
        }
        let next = match rules::report_action(tz, setting.last_sent, now) {
            ReportAction::WaitUntil(at) => at,
            // Due: it goes out at once.
            ReportAction::SendNow { .. } => now,
        };
        if replan || self.store.scheduled(user, JobKind::Report)?.is_none() {
            let look = rules::plan_at(next, now);
            self.store.schedule(user, JobKind::Report, Some(look))?;
            self.wake.notify_one();
        }
        plan.next = Some(next);
        Ok(plan)
    }

    /// Plans a learner's report job again (their zone changed: Monday 09:00 is
    /// another instant now).
    pub(super) fn replan_report(&self, user: i64) -> Result<(), StoreError> {
        let setting = self.store.report_setting(user)?;
        self.report_plan(user, setting, true).map(drop)
    }

    /// The report of `week` for `user`: the week's answers from their log, their
    /// statistics now (streak, due forecast, and the chart's figures).
    pub fn week_report(&self, user: i64, week: Week) -> Result<Report, StoreError> {
        let tz = self.learner_tz_of(user)?;
        let now = self.now();
        let stats = self.store.stats(&self.bank, user, now, tz)?;
        let since = now
            .checked_sub_signed(LOG_BACK)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let log = self.store.log(user, since)?;
        let chapter_of = |q: &str| self.bank.question(q).map(|q| q.chapter);
        let summary = rules::summary(week, &log, chapter_of, &stats, tz);
        Ok(Report { summary, stats })
    }

    /// The weekly report of a due job, when one is to be sent now: plans the job's
    /// next look first (or removes it when the learner is gone or turned the report
    /// off), then claims the week and flushes. `None`: nothing to send (not yet, or
    /// already sent this week). When the flush fails nothing is sent: the claim
    /// stands, so the week is skipped.
    pub async fn claim_report(&self, job: &Job) -> Result<Option<ClaimedReport>, StoreError> {
        let user = job.chat;
        let setting = self.store.report_setting(user)?;
        let chat = self.store.chat(user)?;
        let learner = self.store.learner(user)?;
        let active = chat.as_ref().is_some_and(|c| c.active);
        if !setting.on || !active {
            self.store.schedule(user, JobKind::Report, None)?;
            return Ok(None);
        }
        let tz = self.learner_tz(learner.as_ref());
        let now = self.now();
        let week = match rules::report_action(tz, setting.last_sent, now) {
            ReportAction::WaitUntil(at) => {
                let look = rules::plan_at(at, now);
                self.store.schedule(user, JobKind::Report, Some(look))?;
                return Ok(None);
            }
            ReportAction::SendNow { week } => week,
        };
        let next = rules::report_instant(rules::next_week(week), tz);
        let look = rules::plan_at(next, now);
        self.store.schedule(user, JobKind::Report, Some(look))?;
        if !self.store.claim_report(user, week)? {
            return Ok(None);
        }
        self.durable().await?;
        Ok(Some(ClaimedReport {
            chat: user,
            lang: self.unprompted_lang(learner.as_ref(), chat.as_ref()),
            report: self.week_report(user, Week::before(week))?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::super::testing::{TestTutor, answer, at};
    use super::super::{Clock, Person};
    use super::*;
    use crate::store::ChatKind;

    /// Monday 2026-03-09 09:00 in Shanghai.
    fn monday_nine() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap()
    }

    fn set_clock(t: &mut TestTutor, now: DateTime<Utc>) {
        t.tutor.clock = Clock::Fixed(now);
    }

    /// A learner (Shanghai, client language `code`) with their private chat.
    fn learner(t: &Tutor, id: i64, code: Option<&str>) {
        t.ensure_chat(id, ChatKind::Private, "Ann").unwrap();
        t.note_client_lang(id, code).unwrap();
        t.ensure_learner(Person {
            id,
            name: "Ann",
            lang_code: code,
        })
        .unwrap();
    }

    fn job(chat: i64, at: DateTime<Utc>) -> Job {
        Job {
            at,
            chat,
            kind: JobKind::Report,
        }
    }

    #[test]
    fn report_arguments() {
        use ReportArg::*;
        for (input, want) in [
            ("", Status),
            (" ", Status),
            ("now", Now),
            ("现在", Now),
            ("weekly", Bad),
            ("on now", Bad),
        ] {
            assert_eq!(ReportArg::parse(input), want, "{input:?}");
        }
        for (word, on) in crate::app::schedule::on_off_words() {
            assert_eq!(
                ReportArg::parse(word),
                if on { On } else { Off },
                "{word:?}"
            );
        }
    }

    #[test]
    fn on_plans_the_next_monday_status_shows_it_and_off_removes_it() {
        // Wednesday 2026-03-04 12:00 in Shanghai.
        let t = at(Utc.with_ymd_and_hms(2026, 3, 4, 4, 0, 0).unwrap());
        learner(&t, 7, None);
        let status = |t: &Tutor| match t.report(7, ReportArg::Status).unwrap() {
            ReportOutcome::Status(p) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!((status(&t).on, status(&t).next), (false, None));
        let ReportOutcome::On(p) = t.report(7, ReportArg::On).unwrap() else {
            panic!("not on");
        };
        assert_eq!(p.next, Some(monday_nine()));
        // Five days ahead: the job looks again after three, within the horizon.
        let look = t.now() + rules::REPORT_HOP;
        assert_eq!(t.scheduled(7, JobKind::Report), Some(look));
        assert_eq!(status(&t).next, Some(monday_nine()));
        // On again: the same plan.
        let ReportOutcome::On(again) = t.report(7, ReportArg::On).unwrap() else {
            panic!("not on");
        };
        assert_eq!(again.next, Some(monday_nine()));
        assert_eq!(t.scheduled(7, JobKind::Report), Some(look));
        assert_eq!(t.report(7, ReportArg::Bad).unwrap(), ReportOutcome::Usage);
        assert_eq!(t.report(7, ReportArg::Off).unwrap(), ReportOutcome::Off);
        assert_eq!(t.scheduled(7, JobKind::Report), None);
        assert!(!status(&t).on);
    }

    #[tokio::test]
    async fn the_report_is_due_at_the_weekly_instant_once_with_last_weeks_figures() {
        // Answers in the week of Monday 2026-03-02: chapter 1 twice right, chapter 2
        // twice wrong; one on the Sunday before it (not in the week).
        let mut t = at(Utc.with_ymd_and_hms(2026, 3, 1, 4, 0, 0).unwrap());
        learner(&t, 7, Some("en"));
        answer(&t, 7, 1, "e1-q01", true);
        set_clock(&mut t, Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap());
        answer(&t, 7, 2, "e1-q01", true);
        answer(&t, 7, 3, "e1-q03", true);
        answer(&t, 7, 4, "e2-q01", false);
        set_clock(&mut t, Utc.with_ymd_and_hms(2026, 3, 5, 4, 0, 0).unwrap());
        answer(&t, 7, 5, "e2-q01", false);
        t.report(7, ReportArg::On).unwrap();

        // The look before Monday plans the job for Monday's send.
        let look = t.scheduled(7, JobKind::Report).unwrap();
        set_clock(&mut t, look);
        assert!(t.claim_report(&job(7, look)).await.unwrap().is_none());
        assert_eq!(t.scheduled(7, JobKind::Report), Some(monday_nine()));
        // A second before: nothing.
        set_clock(&mut t, monday_nine() - TimeDelta::seconds(1));
        assert!(
            t.claim_report(&job(7, monday_nine()))
                .await
                .unwrap()
                .is_none()
        );
        // At the instant: the report, in the learner's language.
        set_clock(&mut t, monday_nine());
        let claimed = t
            .claim_report(&job(7, monday_nine()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((claimed.chat(), claimed.lang()), (7, Lang::En));
        let s = &claimed.report().summary;
        let week = Week::before(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(s.week, week);
        assert_eq!((s.answered, s.right, s.percent()), (4, 2, Some(50)));
        assert_eq!(s.weakest.map(|w| (w.chapter, w.percent())), Some((2, 0)));
        // Answered on Tuesday and Thursday, not since: the streak has lapsed.
        assert_eq!(s.streak, 0);
        let due: usize = claimed
            .report()
            .stats
            .due_forecast
            .iter()
            .map(|d| d.1)
            .sum();
        assert_eq!(s.due_next_week, due);
        assert!(due >= 1, "the wrong answers are due again");
        // Claimed: taken again (a restart), nothing more this week.
        let again = t.claim_report(&job(7, monday_nine())).await.unwrap();
        assert!(again.is_none());
        let next_monday = monday_nine() + TimeDelta::days(7);
        let look = t.scheduled(7, JobKind::Report).unwrap();
        assert_eq!(look, monday_nine() + rules::REPORT_HOP);
        // Down all Monday, back on Tuesday of the next week: that week's comes late.
        set_clock(&mut t, next_monday + TimeDelta::days(1));
        let late = t.claim_report(&job(7, look)).await.unwrap().unwrap();
        assert_eq!(late.report().summary.answered, 0);
        assert_eq!(
            late.report().summary.week,
            Week::before(week.last + TimeDelta::days(8))
        );
    }

    #[tokio::test]
    async fn now_reports_the_last_seven_days_and_a_gone_or_off_learner_gets_nothing() {
        let mut t = at(Utc.with_ymd_and_hms(2026, 3, 3, 4, 0, 0).unwrap());
        learner(&t, 7, None);
        answer(&t, 7, 1, "e1-q01", true);
        set_clock(&mut t, Utc.with_ymd_and_hms(2026, 3, 4, 4, 0, 0).unwrap());
        answer(&t, 7, 2, "e1-q03", false);
        let ReportOutcome::Now(r) = t.report(7, ReportArg::Now).unwrap() else {
            panic!("no report");
        };
        let today = NaiveDate::from_ymd_opt(2026, 3, 4).unwrap();
        assert_eq!(r.summary.week, Week::ending(today));
        assert_eq!((r.summary.answered, r.summary.right), (2, 1));
        assert_eq!(r.summary.streak, 2);
        assert_eq!(r.stats.answered, 2);
        // /report now needs no setting, and claims nothing.
        assert_eq!(t.store.report_setting(7).unwrap(), ReportSetting::default());

        // Off: the job is dropped. Deactivated (blocked the bot): the same.
        t.report(7, ReportArg::On).unwrap();
        t.store.set_report(7, false, None).unwrap();
        assert!(t.claim_report(&job(7, t.now())).await.unwrap().is_none());
        assert_eq!(t.scheduled(7, JobKind::Report), None);
        t.report(7, ReportArg::On).unwrap();
        t.deactivate(7).unwrap();
        assert_eq!(t.scheduled(7, JobKind::Report), None);
        t.store.schedule(7, JobKind::Report, Some(t.now())).unwrap();
        set_clock(&mut t, monday_nine());
        assert!(t.claim_report(&job(7, t.now())).await.unwrap().is_none());
        assert_eq!(t.scheduled(7, JobKind::Report), None);
        // Back again: /report replans the job the deactivation removed, and this
        // week's report, not sent yet, goes out at once.
        learner(&t, 7, None);
        match t.report(7, ReportArg::Status).unwrap() {
            ReportOutcome::Status(p) => assert_eq!(p.next, Some(monday_nine())),
            other => panic!("{other:?}"),
        }
        assert_eq!(t.scheduled(7, JobKind::Report), Some(monday_nine()));
        let claimed = t.claim_report(&job(7, monday_nine())).await.unwrap();
        assert!(claimed.is_some());
    }

    #[test]
    fn a_new_zone_moves_the_report_to_monday_nine_there() {
        // Saturday 2026-03-07 12:00 in Shanghai: Monday is within the hop.
        let t = at(Utc.with_ymd_and_hms(2026, 3, 7, 4, 0, 0).unwrap());
        learner(&t, 7, None);
        t.report(7, ReportArg::On).unwrap();
        assert_eq!(t.scheduled(7, JobKind::Report), Some(monday_nine()));
        t.set_zone(&t.private_chat(7), Some(7), chrono_tz::Europe::Berlin)
            .unwrap();
        // Monday 09:00 CET is 08:00 UTC.
        let berlin = Utc.with_ymd_and_hms(2026, 3, 9, 8, 0, 0).unwrap();
        assert_eq!(t.scheduled(7, JobKind::Report), Some(berlin));
    }

    #[test]
    fn export_and_forget_cover_the_setting() {
        let t = at(monday_nine());
        learner(&t, 7, None);
        t.report(7, ReportArg::On).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&t.export(7).unwrap()).unwrap();
        assert_eq!(json["weekly_report"]["on"], serde_json::json!(true));
        t.forget(7).unwrap();
        assert_eq!(t.store.report_setting(7).unwrap(), ReportSetting::default());
        assert_eq!(t.scheduled(7, JobKind::Report), None);
    }
}
