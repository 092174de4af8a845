//! The session's part of LibreOffice's windows: every window request names a window the
//! sender's view owns ([`super::windows`]), or it is refused; a leaving view's windows close
//! before the view does.

use oxool_proto::{Frame, FromKit, Message};

use super::dialogs::{self, WindowInput, WindowTile};
use super::windows::WindowId;
use super::{args, lok, InputError, Session, SessionError};
use crate::lok::enums::window_action;

impl Session {
    /// The LOK view of the sender, after checking that it owns window `id`.
    fn owned_window(&self, message: &Message, id: WindowId) -> Result<i32, SessionError> {
        let lok_view = self.views.get(args::required(message, "view")?)?.lok_view;
        let owner = self.windows.lock().ok().and_then(|w| w.owner(id));
        if owner != Some(lok_view) {
            return Err(SessionError::NotYourWindow(id));
        }
        Ok(lok_view)
    }

    /// `window-tile`: paints part of a window the sender owns; answered with `window-tile`.
    pub(super) fn window_tile(&self, message: &Message) -> Result<Frame, SessionError> {
        let tile = WindowTile::parse(message)?;
        let lok_view = self.owned_window(message, tile.id)?;
        let view = self.select_view(message)?;
        Ok(tile.render(&self.document, &view, lok_view)?)
    }

    /// Window input (`window-key` … `dialog-event`): refused for read-only views, posted to a
    /// window the sender owns. No answer; the effects arrive as WINDOW or JSDIALOG callbacks.
    pub(super) fn window_input(
        &self,
        message: &Message,
        payload: &[u8],
    ) -> Result<(), SessionError> {
        let id = dialogs::window_id(message)?;
        let input = WindowInput::parse(message, payload)?;
        let view = self.views.get(args::required(message, "view")?)?;
        if view.readonly {
            return Err(SessionError::ReadOnly(
                message.get("view").unwrap_or_default().into(),
            ));
        }
        let owned = match id {
            dialogs::OWN_PANELS => Ok(view.lok_view),
            _ => self.owned_window(message, id),
        };
        let lok_view = match owned {
            Ok(lok_view) => lok_view,
            // Late input for a window of this view that just closed (the key-up of the Escape
            // that closed it): nothing to do, and nothing wrong.
            Err(SessionError::NotYourWindow(_))
                if self
                    .windows
                    .lock()
                    .is_ok_and(|w| w.closed_in(view.lok_view, id)) =>
            {
                return Ok(());
            }
            Err(error) => return Err(error),
        };
        // LibreOffice applies window keys and clicks later, from its main loop, but IME text at
        // once: without waiting, text composed right after a click into a field would reach
        // the field that had the focus before the click.
        if matches!(input, WindowInput::Text { .. }) {
            self.settle_input();
        }
        self.select_view(message)?;
        input.post(&self.document, id).map_err(InputError::from)?;
        // A dialog's OK changes the document: a save must wait for it like for typed keys.
        self.input_pending.set(true);
        self.input_view.set(lok_view);
        Ok(())
    }

    /// `command-values`: LibreOffice's JSON for the command, as the sender's view sees it.
    pub(super) fn command_values(&self, message: &Message) -> Result<Frame, SessionError> {
        let command = dialogs::values_command(message)?;
        let view = self.select_view(message)?;
        let values = self
            .document
            .get_command_values(command)
            .map_err(lok("read the command's values"))?
            .filter(|v| !v.is_empty())
            .ok_or_else(|| SessionError::NoValues(command.to_string()))?;
        let max = oxool_proto::limits::MAX_COMMAND_VALUES_PAYLOAD as usize;
        if values.len() > max {
            return Err(SessionError::ValuesTooLarge {
                command: command.to_string(),
                len: values.len(),
                max,
            });
        }
        let header = Message::new(FromKit::CommandValues.name())
            .arg("view", view)
            .arg("command", command);
        Ok(Frame::with_payload(header.render(), values.into_bytes()))
    }

    /// Closes every window session `id`'s view owns (a dialog its user left open) and waits
    /// until LibreOffice has done so, before the view itself goes.
    pub(super) fn close_windows_of(&self, id: &str) -> Result<(), SessionError> {
        let lok_view = self.views.get(id)?.lok_view;
        let windows = self
            .windows
            .lock()
            .map(|w| w.windows_of(lok_view))
            .unwrap_or_default();
        if !windows.is_empty() {
            self.document
                .set_view(lok_view)
                .map_err(lok("select the view"))?;
            // Children (the higher ids) first: a dialog's close takes its dropdowns with it.
            for window in windows.iter().rev() {
                if let Err(error) = self
                    .document
                    .post_window(*window, window_action::CLOSE, None)
                {
                    eprintln!("oxool-kit: cannot close window {window}: {error}");
                }
            }
            self.input_pending.set(true);
            self.input_view.set(lok_view);
            self.settle_input();
        }
        if let Ok(mut owners) = self.windows.lock() {
            owners.forget_view(lok_view);
        }
        Ok(())
    }
}
