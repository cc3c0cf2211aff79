//! Group commit for answers: every handler hands its answer to one writer task, which
//! records all the answers waiting at that moment in one store transaction, flushes
//! once, and then releases each handler with its outcome.
//!
//! sled writes its log out (a synchronous write) for every transaction, and the flush
//! before a verdict waits for all of those before it: one transaction per answer
//! capped the bot at ~1,700 answers/s and put that queue into every verdict's latency
//! (docs/benchmarks.md). A burst of answers now costs one transaction and one flush.
//! The guarantees are the same as answering one by one: an outcome is returned only
//! once it is on disk, and a batch is recorded exactly as its answers would be in turn.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tracing::warn;

use crate::bank::Bank;
use crate::store::{AnswerOutcome, AnswerRequest, Store};

/// Answers recorded in one transaction, at most.
const MAX_BATCH: usize = 128;
/// Answers waiting for the writer, at most (handlers wait beyond it).
const QUEUE: usize = 1024;

type Reply = oneshot::Sender<anyhow::Result<AnswerOutcome>>;

/// The handle handlers record answers through.
pub(crate) struct AnswerWriter {
    tx: mpsc::Sender<(AnswerRequest, Reply)>,
}

impl AnswerWriter {
    /// Starts the writer task on the current runtime.
    pub fn spawn(store: Store, bank: Arc<Bank>) -> AnswerWriter {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, bank, rx));
        AnswerWriter { tx }
    }

    /// Records an answer; returns once it is durable (or was not recorded).
    pub async fn record(&self, req: AnswerRequest) -> anyhow::Result<AnswerOutcome> {
        let (reply, outcome) = oneshot::channel();
        self.tx
            .send((req, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the answer writer has stopped"))?;
        outcome
            .await
            .map_err(|_| anyhow::anyhow!("the answer writer has stopped"))?
    }
}

async fn run(store: Store, bank: Arc<Bank>, mut rx: mpsc::Receiver<(AnswerRequest, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (reqs, replies): (Vec<AnswerRequest>, Vec<Reply>) = batch.drain(..).unzip();
        let outcomes = match store.record_answers(&bank, &reqs) {
            Ok(o) => o.into_iter().map(Ok).collect(),
            // One bad record must not fail the answers beside it: each on its own.
            Err(e) if reqs.len() > 1 => {
                warn!(error = %e, count = reqs.len(), "recording a batch of answers failed; one by one");
                reqs.iter()
                    .map(|r| store.record_answer(&bank, r).map_err(Into::into))
                    .collect()
            }
            Err(e) => vec![Err(e.into())],
        };
        let flushed = store.flush().await;
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            let outcome = match &flushed {
                Ok(()) => outcome,
                Err(e) => Err(anyhow::anyhow!("flushing answers failed: {e}")),
            };
            // A handler that has gone away (shutdown) needs no reply.
            let _ = reply.send(outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::learn::{Presentation, Response};
    use crate::store::{Card, Options};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_answers_are_each_recorded_once_and_durable() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db"), Options::default()).unwrap();
        let bank = Arc::new(Bank::embedded().unwrap());
        let question = bank.question("c1-q03").unwrap();
        let (q, order) = (
            question.id.clone(),
            Presentation::new(question, &mut rand::rng())
                .order()
                .to_vec(),
        );
        let now = Utc::now();
        for chat in 1..=100i64 {
            store
                .put_card(&Card::private(chat, 1, &q, order.clone(), now))
                .unwrap();
        }
        let writer = Arc::new(AnswerWriter::spawn(store.clone(), bank.clone()));
        let tasks: Vec<_> = (1..=100i64)
            .flat_map(|chat| [chat, chat]) // every answer delivered twice
            .map(|chat| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .record(AnswerRequest {
                            chat,
                            message: 1,
                            user: chat,
                            name: format!("u{chat}"),
                            response: Response::Judge(true),
                            answer_text: "对".into(),
                            now,
                            learner_tz: chrono_tz::Asia::Shanghai,
                            chat_tz: chrono_tz::Asia::Shanghai,
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut recorded = 0;
        for t in tasks {
            match t.await.unwrap() {
                AnswerOutcome::Recorded { .. } => recorded += 1,
                AnswerOutcome::AlreadyAnswered { .. } => {}
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(recorded, 100, "each chat's answer once");
        for chat in 1..=100i64 {
            assert_eq!(
                store
                    .log(chat, now - chrono::Duration::days(1))
                    .unwrap()
                    .len(),
                1
            );
        }
    }
}
