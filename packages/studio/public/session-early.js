// Studio's first question is who is signed in. Asked here, as the page starts, the answer comes while the bundle
// downloads and parses, not after it ran; src/api/session.ts takes this answer once. (A file, not inline: Studio's
// Content-Security-Policy runs scripts from its own origin only.)
window.loamSessionAnswer = fetch('/auth/session', { credentials: 'include', headers: { accept: 'application/json' } });
