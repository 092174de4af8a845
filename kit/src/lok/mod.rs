//! LibreOfficeKit bindings. OWNER: LOK helper. Placeholder until written.
