/**
 * booth-rig entry point. The hardware-in-the-loop rig (scenarios, fault injection, JUnit) is
 * not built yet; until it is, this says so plainly instead of pretending to run anything.
 */
process.stderr.write('booth-rig: the test rig is not implemented yet (see the open rig issue); nothing was run\n');
process.exit(64);
