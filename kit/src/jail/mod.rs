//! The kit jail. OWNER: jail helper. Placeholder until written.
