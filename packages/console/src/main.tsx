import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { consoleBase, signIn, WrongAddress } from './auth';
import { startLanguage, t } from './i18n';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
// The language's catalogue loads while the sign-in runs; one that fails to load leaves English.
const language = startLanguage().catch(() => undefined);
void language.then(() => root.render(<p className="boot">{t.boot.signingIn}</p>));

Promise.all([signIn(), language]).then(
  ([session]) => root.render(<StrictMode><App session={session} /></StrictMode>),
  async (err) => {
    await language;
    const wrong = err instanceof WrongAddress ? new URL('../admin/', err.issuer.replace(/\/realms\/master$/, '/realms/')).href : undefined;
    root.render(
      <main className="boot-error">
        <h1>{t.boot.cannotSignIn}</h1>
        {wrong
          ? <p>{t.boot.wrongAddress(<code>{err.issuer.replace(/\/realms\/master$/, '')}</code>, <a href={wrong}>{wrong}</a>, consoleBase.href)}</p>
          : <p>{err instanceof Error ? err.message : String(err)}</p>}
        <p><a href={consoleBase.href}>{t.boot.tryAgain}</a></p>
      </main>,
    );
  },
);
