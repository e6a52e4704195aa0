// The supervisors the tests start send desktop notifications when a session bus answers;
// on a developer's desktop that would be one per failing test agent. Tests that want a
// bus start their own (keyring.ts, notifyd.ts) and pass its address explicitly.
delete process.env.DBUS_SESSION_BUS_ADDRESS;
