//! A minimal m365 plugin in Rust, with no crates: the "greetings" service of a fictional vendor.
//!
//! It declares the C ABI of `m365_plugin.h` by hand (only the parts it needs, in the header's
//! order), exports the one entry function, streams a list item by item, emits one object, and
//! reports a failure with a status and a message.
//!
//! Build:  rustc --edition 2021 --crate-type cdylib -O -o libm365-greetings.so greetings.rs
//! Use:    M365_PLUGIN_PATH=$PWD m365 greetings hello --name Ada --times 2 --output text

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

// ------------------------------------------------------------------------------------------
// The ABI, from m365_plugin.h. Structs are #[repr(C)] with the header's field order; the host's
// table is read only as far as the fields we call, each of which ABI 1.0 already has.

type Status = i32;
const M365_OK: Status = 0;
const M365_ERR_INVALID_ARGUMENT: Status = 2;
const M365_ERR_NOT_FOUND: Status = 4;
const M365_ERR_INTERNAL: Status = 12;
const M365_LOG_VERBOSE: i32 = 1;
const M365_ABI_MAJOR: u32 = 1;
const M365_ABI_MINOR: u32 = 1;

#[repr(C)]
struct Header {
    abi_major: u32,
    abi_minor: u32,
    struct_size: u32,
}

/// Opaque: one invocation of a command, owned by the host.
#[repr(C)]
struct Call {
    _private: [u8; 0],
}

#[repr(C)]
struct Host {
    header: Header,
    host_name: *const c_char,
    host_version: *const c_char,
    get_extension: *const c_void,
    host_free: *const c_void,
    last_error: *const c_void,
    log: extern "C" fn(call: *mut Call, level: i32, message: *const c_char),
    emit_result: extern "C" fn(call: *mut Call, json: *const c_char, len: usize) -> Status,
    emit_item: extern "C" fn(call: *mut Call, json: *const c_char, len: usize) -> Status,
    // … progress, prompt, config_get and the rest follow; this plugin does not use them.
}

type InitFn = extern "C" fn(host: *const Host, plugin_path: *const c_char, error: *mut *const c_char) -> Status;
type RunFn = extern "C" fn(call: *mut Call, service: *const c_char, command: *const c_char, options_json: *const c_char,
                           error: *mut *const c_char) -> Status;

#[repr(C)]
struct Plugin {
    header: Header,
    id: *const c_char,
    name: *const c_char,
    version: *const c_char,
    vendor: *const c_char,
    descriptor_json: *const c_char,
    init: InitFn,
    run: RunFn,
    deinit: *const c_void,
    get_extension: *const c_void,
}

/// The table is static and never written: safe to share between threads.
struct Shared(Plugin);
unsafe impl Sync for Shared {}

macro_rules! c_text {
    ($text:expr) => {
        concat!($text, "\0").as_ptr() as *const c_char
    };
}

// ------------------------------------------------------------------------------------------
// The descriptor: the commands, read by the host without running any of our code.

const DESCRIPTOR: &str = concat!(
    r#"{"schema":1,"services":[{"name":"greetings","description":"Example Corp greetings (a plugin written in Rust)","signIn":false,"commands":["#,
    r#"{"name":"hello","description":"Greets someone, once or more","defaultProperties":["number","text"],"options":["#,
    r#"{"name":"name","short":"n","type":"string","required":true,"description":"Who to greet"},"#,
    r#"{"name":"times","type":"number","default":1,"description":"How many greetings (1 to 1000)"}],"#,
    r#""examples":[{"description":"Two greetings as a table","command":"m365 greetings hello --name Ada --times 2 --output text"}]},"#,
    r#"{"name":"about","description":"Shows the plugin and the host it runs in"}"#,
    r#"]}]}"#,
    "\0"
);

static PLUGIN: Shared = Shared(Plugin {
    header: Header { abi_major: M365_ABI_MAJOR, abi_minor: M365_ABI_MINOR, struct_size: std::mem::size_of::<Plugin>() as u32 },
    id: c_text!("com.example.greetings"),
    name: c_text!("Greetings"),
    version: c_text!("1.0.0"),
    vendor: c_text!("Example Corp"),
    descriptor_json: DESCRIPTOR.as_ptr() as *const c_char,
    init,
    run,
    deinit: ptr::null(),
    get_extension: ptr::null(),
});

/// The one exported symbol: a pointer to the static table. It must not call the host.
#[no_mangle]
pub extern "C" fn m365_plugin_entry() -> *const c_void {
    &PLUGIN.0 as *const Plugin as *const c_void
}

// ------------------------------------------------------------------------------------------
// Init and run.

static HOST: AtomicPtr<Host> = AtomicPtr::new(ptr::null_mut());
/// The message of the last failure: *error must stay valid until the next run.
static ERROR: Mutex<Option<CString>> = Mutex::new(None);

extern "C" fn init(host: *const Host, _plugin_path: *const c_char, _error: *mut *const c_char) -> Status {
    HOST.store(host as *mut Host, Ordering::Release);
    M365_OK
}

extern "C" fn run(call: *mut Call, _service: *const c_char, command: *const c_char, options_json: *const c_char,
                  error: *mut *const c_char) -> Status {
    // A panic must not unwind into the host: it becomes an internal error.
    let outcome = std::panic::catch_unwind(|| {
        let host = unsafe { &*HOST.load(Ordering::Acquire) };
        let command = unsafe { CStr::from_ptr(command) }.to_string_lossy();
        let options = unsafe { CStr::from_ptr(options_json) }.to_string_lossy();
        match command.as_ref() {
            "hello" => hello(host, call, &options),
            "about" => about(host, call),
            other => Err((M365_ERR_NOT_FOUND, format!("greetings has no command '{}'", other))),
        }
    });
    let failure = match outcome {
        Ok(Ok(status)) => return status,
        Ok(Err(failure)) => failure,
        Err(_) => (M365_ERR_INTERNAL, "the greetings plugin panicked".to_string()),
    };
    let mut slot = ERROR.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    *slot = CString::new(failure.1.replace('\0', " ")).ok();
    unsafe { *error = slot.as_ref().map_or(ptr::null(), |text| text.as_ptr()) };
    failure.0
}

type Outcome = Result<Status, (Status, String)>;

/// A list, streamed: each greeting goes out as it is made.
fn hello(host: &Host, call: *mut Call, options: &str) -> Outcome {
    let name = string_option(options, "name").unwrap_or_default();
    let times = number_option(options, "times").unwrap_or(1.0);
    if times.fract() != 0.0 || !(1.0..=1000.0).contains(&times) {
        return Err((M365_ERR_INVALID_ARGUMENT, format!("--times must be a whole number from 1 to 1000; got {}", times)));
    }
    let line = CString::new(format!("greeting {} {} time(s)", name, times)).unwrap_or_default();
    (host.log)(call, M365_LOG_VERBOSE, line.as_ptr());
    for number in 1..=times as u32 {
        let item = format!(r#"{{"number":{},"text":{}}}"#, number, json_string(&format!("Hello, {}!", name)));
        let status = (host.emit_item)(call, item.as_ptr() as *const c_char, item.len());
        if status != M365_OK {
            return Ok(status); // cancelled, or the output is gone: stop at once
        }
    }
    Ok(M365_OK)
}

/// One object.
fn about(host: &Host, call: *mut Call) -> Outcome {
    let text = |pointer: *const c_char| unsafe { CStr::from_ptr(pointer) }.to_string_lossy().into_owned();
    let result = format!(
        r#"{{"plugin":"com.example.greetings","language":"Rust","host":{},"hostVersion":{},"hostABI":"{}.{}"}}"#,
        json_string(&text(host.host_name)), json_string(&text(host.host_version)),
        host.header.abi_major, host.header.abi_minor);
    Ok((host.emit_result)(call, result.as_ptr() as *const c_char, result.len()))
}

// ------------------------------------------------------------------------------------------
// The options: a compact, flat JSON object ({"name":"Ada","times":2}) of strings, numbers and
// booleans, already checked against the descriptor. Two small readers suffice.

/// The raw text after `"key":`, when the key is present.
fn raw_value<'a>(options: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("{}:", json_string(key));
    let mut rest = options;
    while let Some(at) = rest.find(&pattern) {
        // A key starts right after '{' or ','; anything else is inside a string value.
        let before = options.len() - rest.len() + at;
        if before > 0 && matches!(options.as_bytes()[before - 1], b'{' | b',') {
            return Some(&rest[at + pattern.len()..]);
        }
        rest = &rest[at + pattern.len()..];
    }
    None
}

fn string_option(options: &str, key: &str) -> Option<String> {
    let mut chars = raw_value(options, key)?.strip_prefix('"')?.chars();
    let mut out = String::new();
    let mut pending_high: Option<u32> = None;
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => {
                let escaped = match chars.next()? {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' => {
                        let code = u32::from_str_radix(&chars.by_ref().take(4).collect::<String>(), 16).ok()?;
                        if (0xD800..0xDC00).contains(&code) {
                            pending_high = Some(code);
                            continue;
                        }
                        let code = match pending_high.take() {
                            Some(high) => 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00),
                            None => code,
                        };
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    }
                    other => other, // \" \\ \/
                };
                out.push(escaped);
            }
            other => out.push(other),
        }
    }
}

fn number_option(options: &str, key: &str) -> Option<f64> {
    let raw = raw_value(options, key)?;
    let end = raw.find(|c: char| c == ',' || c == '}').unwrap_or(raw.len());
    raw[..end].trim().parse().ok()
}

/// A JSON string literal for `text`.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
