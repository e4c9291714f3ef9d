import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles/app.css';
import { App } from './ui/App';
import { bootStore, syncSession } from './ui/session';

const rootElement = document.getElementById('root');
if (!rootElement) {
  throw new Error('gmemscope: #root element not found');
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const store = bootStore({ search: location.search, hash: location.hash, storage: storage() });
syncSession(store, storage(), window.history);

createRoot(rootElement).render(
  <StrictMode>
    <App store={store} />
  </StrictMode>,
);
