import { createApp } from './regcred-app.ts';

createApp();
