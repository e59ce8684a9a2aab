import { Module } from '@nestjs/common';
import { HotController } from './hot.controller.js';

@Module({ controllers: [HotController] })
export class HotModule {}
