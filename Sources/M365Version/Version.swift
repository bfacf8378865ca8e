// Generated from VERSION by scripts/version.sh (make runs it): edit VERSION, not this file.

/// The version of m365, of the plugins shipped with it and of m365-emulator.
public let m365ReleaseVersion = "0.2.0"
