export default {
  printWidth: 110,
  singleQuote: true,
  trailingComma: 'all',
  overrides: [
    // ExtendScript is ES3, where a trailing comma in an object or array literal is a syntax error.
    { files: ['*.jsx'], options: { trailingComma: 'none' } },
  ],
};
