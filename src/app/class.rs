//! `/class`: a study group's class report for its admins (the figures are
//! `learn::class`'s; the document and the CSV are `view::group`'s).

use crate::learn::{self, class::ClassReport};
use crate::store::{Chat, StoreError};

use super::Tutor;

impl Tutor {
    /// The report of `chat` now, in its zone: every member with a score in the
    /// group (a member who ran `/forget` has none, and is not in it).
    pub fn class_report(&self, chat: &Chat) -> Result<ClassReport, StoreError> {
        let scores = self.store.scores(chat.id)?;
        let mut logs = Vec::with_capacity(scores.len());
        for (user, _, _) in &scores {
            logs.push(self.store.chat_log(*user, chat.id)?);
        }
        let members: Vec<learn::class::Member<'_>> = scores
            .iter()
            .zip(&logs)
            .map(|((user, name, score), log)| learn::class::Member {
                user: *user,
                name,
                score,
                log,
            })
            .collect();
        let chapter_of = |q: &str| self.bank.question(q).map(|q| q.chapter);
        Ok(learn::class::report(
            &members,
            chapter_of,
            self.now(),
            chat.tz,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use crate::app::Person;
    use crate::store::{Card, ChatKind};

    const G: i64 = -100;

    /// `who` answers c3-q03 (a judge question) on a new card of `chat`.
    fn answer(t: &testing::TestTutor, chat: i64, message: i32, who: (i64, &str), right: bool) {
        let card = Card::group(chat, message, "c3-q03", Vec::new(), 9, t.now(), 60);
        t.presented(&card).unwrap();
        let who = Person {
            id: who.0,
            name: who.1,
            lang_code: None,
        };
        testing::answer_card(t, &card, who, right);
    }

    #[test]
    fn the_report_counts_this_groups_answers_and_forgets_who_asked() {
        let t = testing::at(testing::t0());
        let g = t.ensure_chat(G, ChatKind::Group, "G").unwrap();
        t.ensure_chat(-200, ChatKind::Group, "Other").unwrap();
        answer(&t, G, 1, (5, "Lin"), true);
        answer(&t, G, 2, (5, "Lin"), false);
        answer(&t, G, 3, (5, "Lin"), true);
        answer(&t, G, 1, (6, "Mei"), true);
        answer(&t, -200, 1, (5, "Lin"), false); // another group: not in this report
        let r = t.class_report(&g).unwrap();
        let rows: Vec<_> = r
            .rows
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.answered,
                    r.right,
                    r.week_answered,
                    r.streak,
                )
            })
            .collect();
        assert_eq!(rows, [("Lin", 3, 2, 3, 1), ("Mei", 1, 1, 1, 1)]);
        assert_eq!(r.rows[0].last_active, Some(t.now()));
        // Chapter 3: 2 of 3 for Lin; 3 of 4 for the group.
        assert_eq!(
            r.rows[0].weakest.map(|c| (c.chapter, c.percent())),
            Some((3, 66))
        );
        assert_eq!(r.rows[1].weakest, None, "one answer is not enough");
        assert_eq!(r.weakest.map(|c| (c.chapter, c.percent())), Some((3, 75)));
        assert_eq!(r.tz, g.tz);

        // Lin runs /forget: gone from the report, and from the group's figures.
        t.forget(5).unwrap();
        let r = t.class_report(&g).unwrap();
        let names: Vec<_> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Mei"]);
        assert_eq!(r.weakest, None);
    }
}
