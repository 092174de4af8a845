//! Sandbox probes (test-only kit entry). OWNER: jail helper. Placeholder until written.
