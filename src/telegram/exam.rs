//! `/exam` in a private chat: the sheet message, its buttons, the deadline.

use std::sync::Arc;

use super::App;

/// The scheduler's exam job: hands in a paper whose time is up.
pub async fn on_deadline(app: &Arc<App>, user: i64) {
    let _ = app.tutor.exam_due(user);
}
