//! The kit's request loop after the jail. OWNER: lead. Placeholder until written.
