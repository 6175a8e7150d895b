import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api';
import { App } from './App';
import { ApiProvider } from './hooks/ApiContext';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ApiProvider connection={connect()}>
      <App />
    </ApiProvider>
  </StrictMode>,
);
