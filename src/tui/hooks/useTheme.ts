import { useContext } from 'react';
import { type Theme, ThemeContext } from '../theme.js';

/** The dashboard's theme (colours or none, Unicode or ASCII glyphs). */
export const useTheme = (): Theme => useContext(ThemeContext);
