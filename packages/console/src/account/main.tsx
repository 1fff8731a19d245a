import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AccountApp } from './app';
import { accountBase, oidc, RETURN_TO } from './auth';
import { t } from './i18n';
import './account.css';

const root = createRoot(document.getElementById('root')!);
root.render(<p className="boot">{t.booting}</p>);

const returnTo = sessionStorage.getItem(RETURN_TO);
sessionStorage.removeItem(RETURN_TO);
if (returnTo && !window.location.hash) window.history.replaceState(null, '', returnTo);

oidc.signIn().then(
  (session) => root.render(<StrictMode><AccountApp session={session} actionStatus={session.response.get('kc_action_status') ?? undefined} /></StrictMode>),
  (err) => root.render(
    <main className="boot-error">
      <h1>{t.cannotSignIn}</h1>
      <p>{err instanceof Error ? err.message : String(err)}</p>
      <p><a href={accountBase.href}>{t.tryAgain}</a></p>
    </main>,
  ),
);
