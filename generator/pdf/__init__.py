"""The book's PDF, rendered by WeasyPrint from templates/book/book.html, from plain content (no database).

- content: what a book shows, as plain data (`BookContent`, `SceneSource`).
- layout: papers, variants, margins and the pages' bands (`Layout`).
- fitting: the shipped fonts and text fitting (`printable`, `fit_text`).
- sandbox: the URL fetcher that lets WeasyPrint read only the book's own files.
- render: image preparation, the template's context and `book_content_render`.

A Job's book (its content read from the database) is in generator.books.
"""
