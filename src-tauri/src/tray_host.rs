//! Whether a tray icon can be shown at all (Linux: the appindicator library and a running tray
//! host), asked before the tray is built so a missing one opens the window instead of panicking.

/// Why no tray can be shown here, if so: on Linux the appindicator library is loaded at run
/// time (a missing one would panic inside the tray code) and a tray host must be running.
pub fn unavailable() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        linux::unavailable()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use gtk::gio;
    use gtk::glib::prelude::*;

    pub fn unavailable() -> Option<String> {
        let libs = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"];
        let loaded = libs.iter().any(|name| {
            let Ok(c) = std::ffi::CString::new(*name) else { return false };
            // SAFETY: dlopen with a valid C string; the handle is kept (the tray code loads it again).
            !unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_LAZY) }.is_null()
        });
        if !loaded {
            return Some("the appindicator library is not installed (Debian/Ubuntu: libayatana-appindicator3-1)".into());
        }
        if status_notifier_watcher() || xembed_tray() {
            None
        } else {
            Some("no system tray is running (no StatusNotifierWatcher on the session bus, no XEmbed tray on the display)".into())
        }
    }

    fn status_notifier_watcher() -> bool {
        let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, None::<&gio::Cancellable>) else { return false };
        bus.call_sync(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            Some(&("org.kde.StatusNotifierWatcher",).to_variant()),
            gtk::glib::VariantTy::new("(b)").ok(),
            gio::DBusCallFlags::NONE,
            1000,
            None::<&gio::Cancellable>,
        )
        .ok()
        .and_then(|v| v.get::<(bool,)>())
        .is_some_and(|(b,)| b)
    }

    /// Whether an XEmbed tray owns `_NET_SYSTEM_TRAY_S<screen>`. GDK only reports owners it
    /// created itself, so Xlib is asked directly (loaded at run time, as GTK already has it).
    fn xembed_tray() -> bool {
        type OpenDisplay = unsafe extern "C" fn(*const libc::c_char) -> *mut libc::c_void;
        type DefaultScreen = unsafe extern "C" fn(*mut libc::c_void) -> libc::c_int;
        type InternAtom = unsafe extern "C" fn(*mut libc::c_void, *const libc::c_char, libc::c_int) -> libc::c_ulong;
        type GetSelectionOwner = unsafe extern "C" fn(*mut libc::c_void, libc::c_ulong) -> libc::c_ulong;
        type CloseDisplay = unsafe extern "C" fn(*mut libc::c_void) -> libc::c_int;
        // SAFETY: symbols are looked up by their Xlib names and called with their Xlib signatures;
        // every pointer is checked for null before use, and the display is closed again.
        unsafe {
            let lib = libc::dlopen(c"libX11.so.6".as_ptr(), libc::RTLD_LAZY);
            if lib.is_null() {
                return false;
            }
            let sym = |name: &std::ffi::CStr| libc::dlsym(lib, name.as_ptr());
            let (open, default_screen, intern, owner, close) =
                (sym(c"XOpenDisplay"), sym(c"XDefaultScreen"), sym(c"XInternAtom"), sym(c"XGetSelectionOwner"), sym(c"XCloseDisplay"));
            if [open, default_screen, intern, owner, close].iter().any(|p| p.is_null()) {
                return false;
            }
            let open: OpenDisplay = std::mem::transmute(open);
            let default_screen: DefaultScreen = std::mem::transmute(default_screen);
            let intern: InternAtom = std::mem::transmute(intern);
            let owner: GetSelectionOwner = std::mem::transmute(owner);
            let close: CloseDisplay = std::mem::transmute(close);
            let display = open(std::ptr::null());
            if display.is_null() {
                return false;
            }
            let Ok(name) = std::ffi::CString::new(format!("_NET_SYSTEM_TRAY_S{}", default_screen(display))) else {
                close(display);
                return false;
            };
            let atom = intern(display, name.as_ptr(), 0);
            let found = atom != 0 && owner(display, atom) != 0;
            close(display);
            found
        }
    }
}
