import { useEffect, useState } from 'react';

// Hash routes, #/<realm>/<section>/<id>/<tab>: the server serves one page at /admin/, and the
// address after # never reaches it.

const parse = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);

export function useRoute(): string[] {
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export const href = (...segments: string[]) => '#/' + segments.map(encodeURIComponent).join('/');

export function go(...segments: string[]): void {
  window.location.hash = href(...segments);
}
