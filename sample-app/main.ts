import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

const app = await NestFactory.create(AppModule);
// On SIGTERM/SIGINT: close the app (the cache module quits its Redis client), then exit with code 0.
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });

const port = Number(process.env.PORT ?? 3000);
await (process.env.HOST ? app.listen(port, process.env.HOST) : app.listen(port));
const url = await app.getUrl();
Logger.log(`Sample app listening on ${url}`, 'Bootstrap');
Logger.log(`What to try: curl ${url}/`, 'Bootstrap');
