// How every test and bench starts a browser: Debian's chromium (never a
// downloaded one), headless, with nothing that reaches the network.
// Pass to playwright-core's chromium.launch() or launchPersistentContext().
export const chromiumOptions = {
  executablePath: '/usr/bin/chromium', // Debian's launcher; its binary is /usr/lib/chromium/chromium
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
};
