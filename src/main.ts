import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import { applyStoredTheme } from './lib/state/theme.svelte';
import './app.css';

// The browser's bar colour for a theme chosen on this device (the page colours are set by public/theme-boot.js).
applyStoredTheme();

registerSW({ immediate: true });

export default mount(App, { target: document.getElementById('app')! });
