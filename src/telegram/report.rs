//! The weekly report in Telegram: `/report …` in a private chat, and the scheduler's
//! report job. A report is a message, then the `/stats` chart as a photo.

use std::sync::Arc;

use teloxide::RequestError;
use tg_transport::calls::Once;
use tracing::{debug, warn};

use crate::app::ReportArg;
use crate::app::report::{ClaimedReport, Report, ReportOutcome};
use crate::lang::Lang;
use crate::store::Job;
use crate::view;

use super::App;
use super::scheduler::{ATTEMPTS, failed};

/// `/report …`: stored and durable before it is confirmed; `/report now` sends the
/// report of the last 7 days with its chart.
pub async fn command(
    app: &App,
    chat: i64,
    user: i64,
    arg: ReportArg,
    lang: Lang,
) -> anyhow::Result<()> {
    let outcome = app.tutor.report(user, arg)?;
    app.tutor.durable().await?;
    let doc = view::report::reply(&app.tutor.bank, &outcome, false, lang);
    app.send_doc(chat, &doc).await?;
    if let ReportOutcome::Now(r) = &outcome {
        send_chart(app, chat, r, lang).await?;
    }
    Ok(())
}

async fn send_chart(app: &App, chat: i64, r: &Report, lang: Lang) -> Result<(), RequestError> {
    match view::chart::stats_png(&r.stats, lang) {
        Ok(png) => app.send_photo(chat, png).await,
        Err(e) => {
            warn!(chat, error = %e, "report chart failed");
            Ok(())
        }
    }
}

/// A report job: sends the report when `app` claims one (its week durable first),
/// at most once; a learner who blocked the bot is deactivated.
pub async fn on_due(app: &Arc<App>, job: Job) {
    let claimed = match app.tutor.claim_report(&job).await {
        Ok(Some(c)) => c,
        Ok(None) => return,
        Err(e) => {
            failed(&e);
            app.tutor.retry_later(&job, &e);
            return;
        }
    };
    let chat = claimed.chat();
    debug!(chat, "sending the weekly report");
    let moved = |old, _new, e: &RequestError| app.on_send_error(old, e);
    let send = |target| send_report(app, &claimed, target);
    match tg_transport::calls::at_most_once(chat, ATTEMPTS, moved, send).await {
        Once::Sent => {
            let chart = send_chart(app, chat, claimed.report(), claimed.lang()).await;
            if let Err(e) = chart {
                app.on_send_error(chat, &e);
            }
        }
        Once::Gone(chat) => app.deactivate(chat),
        Once::NotSent => {}
    }
}

async fn send_report(app: &App, claimed: &ClaimedReport, target: i64) -> Result<(), RequestError> {
    let doc = view::report::report(&app.tutor.bank, claimed.report(), false, claimed.lang());
    app.send_doc(target, &doc).await.map(drop)
}
