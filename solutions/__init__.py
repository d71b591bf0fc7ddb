"""Reference answers to the notebooks' implementation exercises, one module per chapter.

Each module holds the functions and classes the chapter's exercise cell asks for, written from
the equations (none imports lrcourse's optimizers or schedules), and passes that cell's checks
(``tests/test_solutions.py`` runs every exercise cell with them). Instructors: hand out the
course without this folder (see the README's "Exercises" section).
"""
