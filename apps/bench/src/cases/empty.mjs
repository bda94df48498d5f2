// Intentionally empty: the bare child_process.fork anchor.
