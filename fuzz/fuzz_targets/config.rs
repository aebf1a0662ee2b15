#![no_main]
// The seeds run once before fuzzing, so a regression on a known input (issue #22: a line
// continuation in a string, then 4,000 levels) fails at once, whatever corpus the run starts
// from; the entry point's scanner invariant then finds the same class in small inputs.
libfuzzer_sys::fuzz_target!(
    init: {
        for seed in authtray_core::fuzzing::config_seeds() {
            authtray_core::fuzzing::config(seed.as_bytes());
        }
    },
    |data: &[u8]| authtray_core::fuzzing::config(data)
);
