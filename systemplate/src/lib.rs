//! Systemplate. OWNER: jail helper. Placeholder until written.
