//! Keeps the tray menu on the screen when its lines grow (Linux).
//!
//! The menu is built once and edited in place. GTK places a menu from the size it had when last
//! shown, then grows it to its new lines: a line that became longer pushes the menu past the
//! screen edge ("— In u" cut off). Once the menu is on screen its size is right, so placing it
//! again then puts it where it fits.
//!
//! This is the menu the app draws itself (a tray host of the XEmbed kind, as under the desktop
//! suite's Xvfb). A StatusNotifier host (KDE, GNOME's extension) draws the menu from D-Bus and
//! sizes it itself; there the hook never fires and costs nothing.

use gtk::glib;
use gtk::prelude::*;

/// The label that tells our menu from any other the process holds.
const MARK: &str = "Quit authtray";

/// Hooks the tray's GTK menu so that each time it opens it is placed again at its real size.
/// Returns whether the menu was found.
pub fn keep_on_screen() -> bool {
    let Some(menu) = tray_menu() else { return false };
    menu.connect_map(|menu| {
        let menu = menu.clone();
        // After this frame's size allocation, not before it.
        glib::idle_add_local_once(move || menu.reposition());
    });
    true
}

/// The process's GTK menu that ends with our Quit entry.
fn tray_menu() -> Option<gtk::Menu> {
    gtk::Window::list_toplevels().into_iter().filter_map(|w| w.downcast::<gtk::Window>().ok()?.child()?.downcast::<gtk::Menu>().ok()).find(
        |menu| {
            menu.children()
                .iter()
                .any(|item| item.downcast_ref::<gtk::MenuItem>().and_then(|i| i.label()).is_some_and(|l| l.as_str() == MARK))
        },
    )
}
