import { expect, test } from '@playwright/test';
import { layoutOf } from './stand-in.js';

test('a stand-in image is laid out as the release image: the catalog first, then the Deployment\'s command, then kubebuilder\'s /manager', () => {
  // multi-cluster-app-dispatcher@v1.34.1 Dockerfile: /usr/local/bin, USER 1000, no ENTRYPOINT; its
  // Deployment runs the relative `mcad-controller`, found on PATH
  expect(layoutOf('mcad', { image: 'x', command: ['mcad-controller'] })).toEqual({ binary: '/usr/local/bin/mcad-controller', entrypoint: false, user: '1000', files: [] });
  // instascale@v0.0.8 Dockerfile: ENTRYPOINT ["/manager"], USER 65532
  expect(layoutOf('instascale', { image: 'x' })).toMatchObject({ binary: '/manager', entrypoint: true, user: '65532:65532' });
  // the operator: no layout in the catalog; its Deployment runs /manager, its templates copied beside it
  expect(layoutOf('codeflare-operator', { image: 'x', command: ['/manager'] })).toEqual({ binary: '/manager', entrypoint: false, user: '65532:65532', files: ['config/internal'] });
  // no command: the binary is the entrypoint
  expect(layoutOf('kueue', { image: 'x' })).toEqual({ binary: '/manager', entrypoint: true, user: '65532:65532', files: [] });
  expect(layoutOf('kueue', { image: 'x', command: ['/bin/kueue'] })).toMatchObject({ binary: '/bin/kueue', entrypoint: false });
});
