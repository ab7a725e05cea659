/**
 * The GPU tests run on SwiftShader, the software Vulkan driver Debian's chromium package ships
 * (scripts/ci/provision.sh installs chromium and the Vulkan loader). Dawn finds a Vulkan driver
 * through the loader's ICD list; pointing VK_ICD_FILENAMES at SwiftShader's manifest makes every
 * machine, with or without a GPU, test the same software adapter.
 */
import * as fs from 'node:fs';
import { selectBackend } from '../../src/trainer/backend';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** A manifest naming no driver: the Vulkan loader then finds none, as on a machine without a GPU driver. */
export const NO_ICD = '/nonexistent/vaerec-no-vulkan-driver.json';

/**
 * Selects the webgpu backend on SwiftShader (VK_ICD_FILENAMES, unless the caller set one), or says
 * why it cannot. Under CI a missing driver is a failure, never a skip: the GPU path would go untested.
 */
export async function startSwiftShader(log: (m: string) => void = () => undefined): Promise<{ skip: string | null }> {
  if (process.env.VK_ICD_FILENAMES === undefined && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const lines: string[] = [];
  const selected = await selectBackend('webgpu', (m) => {
    lines.push(m);
    log(m);
  });
  if (selected.name === 'webgpu') return { skip: null };
  const why = `no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}; ${SWIFTSHADER_ICD} ${fs.existsSync(SWIFTSHADER_ICD) ? 'exists' : 'is missing'}): ${lines.join(' | ')}`;
  if (process.env.CI === 'true' || process.env.CI === '1')
    throw new Error(`CI must run the GPU tests: ${why}. Run scripts/ci/provision.sh (chromium, libvulkan1).`);
  return { skip: why };
}
