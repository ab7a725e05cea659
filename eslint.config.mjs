import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vscodeBan = { name: 'vscode', message: 'src/trainer and src/shared run in plain Node: never import vscode.' };
const tensorflowBan = { group: ['@tensorflow/*', 'webgpu'], message: 'TensorFlow.js and dawn.node are loaded only by the trainer process.' };

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vaerec/**', '.ci-work/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // The webview's CSP has no 'unsafe-eval' and the host must never run strings as code.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/trainer/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [vscodeBan] }],
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [vscodeBan],
          patterns: [
            tensorflowBan,
            { group: ['**/extension/**'], message: 'src/shared never imports the extension host.' },
            { group: ['**/trainer/**'], message: 'src/shared is below the trainer: the trainer imports it, never the reverse.' },
          ],
        },
      ],
    },
  },
  {
    // The extension host reaches the trainer only through its process clients and the dataset download.
    files: ['src/extension/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            tensorflowBan,
            {
              regex: String.raw`(^|/)trainer/(?!(process/client|process/inferenceClient|data/download|stats/runComparison)$)`,
              message:
                'src/extension may import from src/trainer only process/client, process/inferenceClient, data/download and stats/runComparison (reads per-user metrics; no TensorFlow.js).',
            },
          ],
        },
      ],
    },
  },
);
