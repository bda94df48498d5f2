// Implemented by its own issue; this package holds its place in the workspace.
export {};
