import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import { applyStoredTheme } from './lib/state/theme.svelte';
import './app.css';

// Before mounting, so the first frame already has the theme chosen on this device.
applyStoredTheme();

registerSW({ immediate: true });

export default mount(App, { target: document.getElementById('app')! });
