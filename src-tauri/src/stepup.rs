//! The desktop's answer to the runtime's step-up questions ([`polyagent_runtime::stepup`]): a
//! native dialog shown from Rust.
//!
//! Invariants:
//! - the webview cannot see or answer the dialog: it is an OS window, not part of the page, and
//!   the capability grants the webview no dialog permission (`tests/ipc.rs` checks it);
//! - the dialog never blocks a thread: it answers through a callback into a oneshot channel,
//!   which the guarded command awaits;
//! - anything but the confirm button (Cancel, closing the dialog, a dialog that cannot be
//!   shown) is a decline.

use polyagent_runtime::stepup::{Answer, Confirmation, Confirmer, GuardedAction};
use tauri::{AppHandle, Manager as _, Runtime as TauriRuntime};
use tauri_plugin_dialog::{DialogExt as _, MessageDialogButtons, MessageDialogKind};

/// Asks with a native dialog, in front of the main window.
pub struct NativeDialog<R: TauriRuntime> {
    app: AppHandle<R>,
}

impl<R: TauriRuntime> NativeDialog<R> {
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }
}

impl<R: TauriRuntime> std::fmt::Debug for NativeDialog<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NativeDialog")
    }
}

impl<R: TauriRuntime> Confirmer for NativeDialog<R> {
    fn confirm<'a>(&'a self, action: &'a GuardedAction) -> Answer<'a> {
        let question = action.question();
        let (answer, answered) = tokio::sync::oneshot::channel();
        let mut dialog = self
            .app
            .dialog()
            .message(question.body)
            .title(question.title)
            .kind(MessageDialogKind::Warning)
            .buttons(MessageDialogButtons::OkCancelCustom(
                question.confirm,
                "Cancel".to_owned(),
            ));
        if let Some(window) = self.app.get_webview_window("main") {
            // In front of the window the request came from, and modal to it.
            crate::desktop::show_window(&self.app);
            dialog = dialog.parent(&window);
        }
        // `show` answers on a callback: `true` only for the confirm button.
        dialog.show(move |confirmed| {
            let _ = answer.send(confirmed);
        });
        Box::pin(async move {
            match answered.await {
                Ok(true) => Confirmation::Confirmed,
                // Cancelled, closed, or the dialog went away unanswered.
                Ok(false) | Err(_) => Confirmation::Declined,
            }
        })
    }
}
