import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { consoleBase, signIn, WrongAddress } from './auth';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

signIn().then(
  (session) => root.render(<StrictMode><App session={session} /></StrictMode>),
  (err) => {
    const wrong = err instanceof WrongAddress ? new URL('../admin/', err.issuer.replace(/\/realms\/master$/, '/realms/')).href : undefined;
    root.render(
      <main className="boot-error">
        <h1>The admin console cannot sign you in</h1>
        {wrong
          ? <p>This server calls itself <code>{err.issuer.replace(/\/realms\/master$/, '')}</code> (its public URL), so its console
            signs in there. Open <a href={wrong}>{wrong}</a> instead of {consoleBase.href}.</p>
          : <p>{err instanceof Error ? err.message : String(err)}</p>}
        <p><a href={consoleBase.href}>Try again</a></p>
      </main>,
    );
  },
);
