import type { OnModuleInit } from '@nestjs/common';
import type { DiscoveryService } from '@nestjs/core';
import type { NamespaceRegistry } from '../namespace/namespace-registry.js';
import { printedAs } from '../kernel/printed-as.js';
import { RateLimitedLogger } from '../kernel/rate-limited-logger.js';
import { bindMethodCache, CACHED_CLASS } from './method-binding.js';
import { MethodCache } from './method-cache.js';

/**
 * Binds this app's cache to every provider and controller whose class has decorated methods
 * (as @nestjs/schedule's explorer does). Static instances get their own binding; request-scoped
 * and transient classes, whose instances are made later, get it on their prototype.
 */
export class CacheExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly registry: NamespaceRegistry,
  ) {
    printedAs(this, 'CacheExplorer', () => ({ namespace: registry.root.namespace }));
  }

  onModuleInit(): void {
    const methodCache = new MethodCache(this.registry, new RateLimitedLogger(`CacheDecorators:${this.registry.root.namespace}`));
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      // The instance's own class, not the wrapper's metatype: for useFactory that is the factory, for useValue null.
      const cls = instance.constructor;
      if (typeof cls !== 'function' || !Reflect.getMetadata(CACHED_CLASS, cls)) continue;
      const isStatic = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
      bindMethodCache(isStatic ? instance : (cls.prototype as object), methodCache);
    }
  }
}
