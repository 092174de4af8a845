//! The kit's seccomp allowlist. OWNER: jail helper. Placeholder until written.
