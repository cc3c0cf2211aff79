//! An operator's upload of a bank: a document in a private chat from a user listed
//! in `--admins` is fetched (`getFile`, then the file through the Bot API's file URL,
//! at most `MAX_UPLOAD_BYTES`), imported by `app::upload`, and answered with the
//! report. Anyone else gets a short refusal.

use futures::StreamExt;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{Document, User};

use crate::app::upload::{MAX_UPLOAD_BYTES, Refusal};
use crate::lang::Lang;
use crate::view::{Say, study};

use super::App;

/// A document in a private chat.
pub(super) async fn on_document(
    app: &App,
    msg: &Message,
    from: &User,
    doc: &Document,
    lang: Lang,
) -> anyhow::Result<()> {
    let chat = msg.chat.id.0;
    let name = doc.file_name.clone().unwrap_or_default();
    let user = from.id.0 as i64;
    if let Err(why) = app.uploads.check(user, &name, u64::from(doc.file.size)) {
        // Like any other non-text message of a learner: within the chatter budget.
        if why == Refusal::NotAllowed && !app.bot.chatter_allowed() {
            return Ok(());
        }
        let say = match why {
            Refusal::NotAllowed => Say::UploadNotAllowed,
            Refusal::WrongType => Say::UploadWrongType,
            Refusal::TooBig => Say::UploadTooBig,
        };
        return app.say(chat, say.text(lang)).await;
    }
    app.say(chat, Say::UploadReading.text(lang)).await?;
    let bytes = match fetch(app, doc).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return app.say(chat, Say::UploadTooBig.text(lang)).await,
        Err(e) => {
            tracing::warn!(chat, error = %e, "an upload could not be fetched");
            return app.say(chat, Say::UploadFailed.text(lang)).await;
        }
    };
    let uploads = app.uploads.clone();
    let report = tokio::task::spawn_blocking(move || uploads.import(&name, &bytes)).await?;
    match report {
        Ok(report) => {
            tracing::info!(chat, errors = report.errors, "an upload was imported");
            let doc = study::upload_report(&report, lang);
            app.send_doc(chat, &doc).await?;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(chat, error = %e, "an upload could not be written");
            app.say(chat, Say::UploadFailed.text(lang)).await
        }
    }
}

/// The document's bytes; `None` when it is larger than the bound (whatever its
/// announced size said).
async fn fetch(app: &App, doc: &Document) -> anyhow::Result<Option<Vec<u8>>> {
    let file = app.bot.get_file(doc.file.id.clone()).await?;
    if u64::from(file.size) > MAX_UPLOAD_BYTES {
        return Ok(None);
    }
    let mut stream = app.bot.download_file_stream(&file.path);
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk?);
        if bytes.len() as u64 > MAX_UPLOAD_BYTES {
            return Ok(None);
        }
    }
    Ok(Some(bytes))
}
