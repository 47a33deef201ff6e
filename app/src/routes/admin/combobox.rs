//! The keyboard behaviour the admin's comboboxes share (the author picker, the tag field),
//! after the WAI-ARIA Authoring Practices' combobox pattern: arrow keys move through the
//! suggestions (wrapping around), Enter picks the highlighted one, Escape closes the list.

use leptos::prelude::*;

/// A combobox's list state: whether the list is open and which suggestion is highlighted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListState {
    /// Whether the suggestions are shown.
    pub open: RwSignal<bool>,
    /// The highlighted suggestion's index, if any.
    pub active: RwSignal<Option<usize>>,
}

impl ListState {
    /// A closed list with nothing highlighted.
    pub fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            active: RwSignal::new(None),
        }
    }

    /// Opens the list afresh (the text changed): nothing highlighted.
    pub fn reopen(self) {
        self.open.set(true);
        self.active.set(None);
    }

    /// Closes the list (a suggestion was picked).
    pub fn close(self) {
        self.open.set(false);
        self.active.set(None);
    }

    /// Handles a key pressed in the input while `count` suggestions are listed. Returns the
    /// index of the suggestion Enter picked (the event's default, submitting the form, is then
    /// prevented), else `None`.
    pub fn key(self, ev: &leptos::ev::KeyboardEvent, count: usize) -> Option<usize> {
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                self.open.set(true);
                self.active
                    .update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count)));
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                self.active
                    .update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count)));
            }
            "Enter" => {
                if let (true, Some(i)) = (self.open.get_untracked(), self.active.get_untracked()) {
                    if i < count {
                        ev.prevent_default();
                        return Some(i);
                    }
                }
            }
            "Escape" => self.open.set(false),
            _ => {}
        }
        None
    }
}
